"""Loading the sample city (Chicago: real services, 50 wards, a real day of requests moved to the present).

Loaded once for the module (it imports 5,000 requests), in a transaction undone afterwards.
"""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from civic311.catalog.models import AttributeValue, Department, Jurisdiction, Service, ServiceAttribute
from civic311.geo.models import Address, District
from civic311.management import samplecity
from civic311.servicerequests.choices import EventKind
from civic311.servicerequests.models import Event, ServiceRequest
from tests.opendata.conftest import chicago_rows, rolled_back

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not samplecity.CATALOG.exists(),
        reason=f"the sample city's catalog {samplecity.CATALOG} is not written yet",
    ),
]


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        started = timezone.now()
        report = samplecity.load()
        yield report, started


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Jurisdiction,
            Department,
            Service,
            ServiceAttribute,
            AttributeValue,
            District,
            Address,
            ServiceRequest,
            Event,
        )
    }


def catalog() -> dict:
    return json.loads(samplecity.CATALOG.read_text(encoding="utf-8"))


def test_it_loads_the_catalog_the_wards_the_addresses_and_the_requests(loaded, db):
    report, _ = loaded
    assert report.jurisdiction.jurisdiction_id == "chicago.example"
    assert report.services == Service.objects.filter(jurisdiction=report.jurisdiction).count()
    assert report.wards == 50 == District.objects.filter(kind="ward").count()
    assert report.addresses_added == Address.objects.count() > 1000
    assert report.requests.imported == 5000 == ServiceRequest.objects.count()


def test_loading_it_again_changes_no_counts(loaded, db):
    before = counts()
    again = samplecity.load()
    assert counts() == before
    assert again.requests is None  # the requests are imported once
    assert again.addresses_added == 0


def test_it_makes_the_sample_city_the_default_jurisdiction(loaded, db):
    assert Jurisdiction.objects.default().jurisdiction_id == "chicago.example"
    assert Jurisdiction.objects.get(jurisdiction_id="chicago.example").is_default


def test_every_service_of_the_catalog_is_there_with_its_questions_and_their_values(loaded, db):
    jurisdiction = Jurisdiction.objects.get(jurisdiction_id="chicago.example")
    for entry in catalog()["services"]:
        service = Service.objects.get(jurisdiction=jurisdiction, service_code=entry["service_code"])
        assert service.service_name == entry["service_name"]
        assert (service.department.name if service.department else None) == entry.get("department")
        attributes = {a.code: a for a in service.attributes.all()}
        assert set(attributes) == {a["code"] for a in entry.get("attributes", [])}, service.service_code
        for a in entry.get("attributes", []):
            attribute = attributes[a["code"]]
            assert (attribute.datatype, attribute.required) == (a["datatype"], a.get("required", False))
            assert [v.key for v in attribute.values.order_by("order")] == [
                v["key"] for v in a.get("values", [])
            ]
    assert ServiceAttribute.objects.filter(service__jurisdiction=jurisdiction).count() > 0


def test_the_requests_are_moved_so_the_newest_is_within_the_last_eight_days(loaded, db):
    _, started = loaded
    newest = ServiceRequest.objects.order_by("-requested_datetime").first().requested_datetime
    assert started - timedelta(days=8) < newest <= started


def test_the_requests_are_moved_by_whole_weeks(loaded, db):
    event = Event.objects.get(kind=EventKind.CREATED, request__service_request_id="SR21-00000001")
    request = event.request
    local = request.requested_datetime.astimezone(request.jurisdiction.tz)
    # 2021-01-01T00:00:09 was a Friday, just after midnight.
    assert (local.weekday(), local.hour, local.minute, local.second) == (4, 0, 0, 9)


def test_the_created_event_keeps_the_original_created_date(loaded, db):
    originals = {row["sr_number"]: row["created_date"] for row in chicago_rows()}
    events = Event.objects.filter(kind=EventKind.CREATED).values_list("request__service_request_id", "data")
    kept = {number: data["record"]["created_date"] for number, data in events}
    assert kept == originals


def test_no_request_was_closed_in_the_future(loaded, db):
    assert not ServiceRequest.objects.filter(closed_datetime__gt=timezone.now()).exists()
    assert not ServiceRequest.objects.filter(updated_datetime__gt=timezone.now()).exists()
    assert ServiceRequest.objects.filter(status="open").exists()  # the day's latest are still open
