"""Requests filed at the same moment from several connections each get their own number, in sequence:
the counter's lock holds on either database, whether the number is drawn inside the filing's
transaction (SQLite) or by its own statement before it (PostgreSQL)."""

import threading

import pytest
from django.db import connections

from civic311.servicerequests.models import ServiceRequest
from tests.factories import file_request

THREADS, EACH = 4, 5


@pytest.fixture
def city_committed(transactional_db):
    from tests.factories import CityFactory

    return CityFactory().build()


def test_filings_at_once_get_distinct_numbers_in_sequence(city_committed):
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def clerk():
        try:
            start.wait()
            for _ in range(EACH):
                file_request(city_committed.pothole)
        except BaseException as exc:  # the assertion below shows it
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=clerk) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(ServiceRequest.objects.values_list("service_request_id", flat=True))
    sequences = [int(n.split("-")[1]) for n in numbers]
    assert sequences == list(range(1, THREADS * EACH + 1))
