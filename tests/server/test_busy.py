"""A request that found no free database connection: 503 with Retry-After in the client's format, one
warning per ten seconds with the pool's state instead of a traceback each; other failures stay 500.
(The pool really exhausted, against the real server: test_hang_ups.py.)"""

import json
import logging

import pytest
from django.test import Client

from civic311.server import pool as pool_module
from civic311.server.pool import DropPoolExhausted, is_pool_exhausted


@pytest.fixture
def client(settings, db):
    settings.ROOT_URLCONF = "tests.server.urls"
    return Client(raise_request_exception=False)


@pytest.fixture(autouse=True)
def _warn_again(monkeypatch):
    """Each test starts outside the last warning's quiet window."""
    monkeypatch.setattr(pool_module.REFUSALS, "_last", float("-inf"))


def test_the_api_is_answered_503_with_retry_after_in_json(client):
    response = client.get("/open311/v2/busy.json")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"] == "application/json; charset=utf-8"
    [error] = json.loads(response.content)
    assert error["code"] == 503
    assert "try again in a few seconds" in error["description"]


def test_the_api_is_answered_in_xml_when_xml_was_asked_for(client):
    response = client.get("/open311/v2/busy.xml")
    assert response.status_code == 503
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert b"<errors><error><code>503</code>" in response.content


def test_a_page_is_answered_with_a_page_in_the_visitors_language(client):
    response = client.get("/busy/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert '<html lang="es">' in page
    assert "Ahora mismo estamos muy ocupados" in page


def test_other_failures_are_still_500(client):
    response = client.get("/broken/")
    assert response.status_code == 500


def test_one_warning_with_the_pools_state_for_many_refusals(client, caplog):
    caplog.set_level(logging.WARNING)
    for _ in range(5):
        client.get("/open311/v2/busy.json")
    warnings = [r for r in caplog.records if r.name == "civic311.server.pool"]
    assert len(warnings) == 1
    assert "database pool exhausted" in warnings[0].getMessage()
    assert "/open311/v2/busy.json" in warnings[0].getMessage()


def test_the_request_log_drops_the_traceback_of_a_refusal_and_keeps_other_failures():
    from psycopg_pool import PoolTimeout, TooManyRequests

    def record(exc: BaseException) -> logging.LogRecord:
        return logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "x", (), (type(exc), exc, None)
        )

    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = TooManyRequests("queue full")
    assert is_pool_exhausted(wrapped)
    assert is_pool_exhausted(PoolTimeout("late"))
    assert not DropPoolExhausted().filter(record(wrapped))
    assert DropPoolExhausted().filter(record(ValueError("a bug")))
