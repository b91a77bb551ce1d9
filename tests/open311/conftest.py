"""Helpers for the GeoReport tests: post a request as a client app would, read both formats."""

import pytest

from tests.factories import INSIDE_WARD_1
from tests.open311.contract import parse_xml, validate_json, xml_to_records

API = "/open311/v2"


def pothole_form(city, **overrides) -> dict:
    form = {
        "api_key": city.raw_key,
        "service_code": "PHF",
        "lat": str(INSIDE_WARD_1[0]),
        "long": str(INSIDE_WARD_1[1]),
        "attribute[WHERE]": "LANE",
        "description": "A deep pothole in the right lane",
        "email": "alice@example.org",
        "first_name": "Alice",
        "last_name": "Resident",
        "phone": "+1 312 555 0100",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


@pytest.fixture
def post(client, city):
    """post(fmt='json', **form) -> response; form defaults to a valid pothole report."""

    def _post(fmt: str = "json", **overrides):
        return client.post(f"{API}/requests.{fmt}", pothole_form(city, **overrides))

    return _post


@pytest.fixture
def created(post):
    """A pothole request filed through the API; returns its number."""
    response = post()
    assert response.status_code == 200, response.content
    return response.json()[0]["service_request_id"]


def errors_of(response) -> list[str]:
    """The error descriptions of a JSON or XML error response (checked against the spec's shape)."""
    if response["Content-Type"].startswith("text/xml"):
        root = parse_xml(response.content, "errors")
        records = xml_to_records(root, "error")
        assert all(int(r["code"]) == response.status_code for r in records)
        return [r["description"] for r in records]
    body = response.json()
    validate_json("errors", body)
    assert all(e["code"] == response.status_code for e in body)
    return [e["description"] for e in body]
