"""The sample city's whole day of real Chicago requests (5,000), imported once for this module."""

import pytest

from civic311.opendata.importers import chicago as importer
from civic311.opendata.importers import districts
from civic311.opendata.importers.base import get_or_create_jurisdiction
from civic311.servicerequests.choices import EventKind, Status
from civic311.servicerequests.models import Event, ServiceRequest
from tests.opendata.conftest import CHICAGO_REQUESTS, CHICAGO_WARDS, chicago_rows, rolled_back

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def day(django_db_setup, django_db_blocker):
    """Chicago with its 50 wards, then the whole file imported; undone after the module."""
    with rolled_back(django_db_blocker):
        jurisdiction = get_or_create_jurisdiction("chicago.example", "City of Chicago", "America/Chicago")
        districts.import_file(CHICAGO_WARDS, jurisdiction, kind="ward", name_field="District_N")
        report = importer.import_file(CHICAGO_REQUESTS, jurisdiction)
        yield jurisdiction, report


def test_every_row_is_imported(day, db):
    _, report = day
    assert (report.imported, report.already_there, sum(report.skipped.values())) == (5000, 0, 0)
    assert ServiceRequest.objects.count() == 5000


def test_each_request_lies_in_the_ward_the_city_itself_recorded(day, db):
    ward_of: dict[str, set[str]] = {}
    for number, ward in ServiceRequest.objects.filter(districts__kind="ward").values_list(
        "service_request_id", "districts__code"
    ):
        ward_of.setdefault(number, set()).add(ward)
    comparable = [row for row in chicago_rows() if row["ward"] and row["latitude"]]
    agree = [row for row in comparable if ward_of.get(row["sr_number"]) == {row["ward"]}]
    assert len(comparable) > 4900
    assert len(agree) / len(comparable) >= 0.99, f"{len(agree)} of {len(comparable)} in the CSV's ward"


def test_every_request_has_a_created_event_and_a_status_event_when_closed(day, db):
    created = set(Event.objects.filter(kind=EventKind.CREATED).values_list("request_id", flat=True))
    changed = set(Event.objects.filter(kind=EventKind.STATUS_CHANGED).values_list("request_id", flat=True))
    requests = dict(ServiceRequest.objects.values_list("pk", "status"))
    assert set(requests) == created
    closed = {pk for pk, status in requests.items() if status == "closed"}
    assert len(closed) > 4900
    assert closed <= changed
    assert not ServiceRequest.objects.filter(status="closed", closed_datetime=None).exists()


def test_every_duplicate_whose_parent_is_in_the_file_is_linked_to_it(day, db):
    _, report = day
    numbers = {row["sr_number"] for row in chicago_rows()}
    expected = {
        row["sr_number"]: row["parent_sr_number"]
        for row in chicago_rows()
        if row["parent_sr_number"] in numbers and row["parent_sr_number"] != row["sr_number"]
    }
    linked = dict(
        ServiceRequest.objects.filter(parent__isnull=False).values_list(
            "service_request_id", "parent__service_request_id"
        )
    )
    assert linked == expected
    assert report.duplicates_linked == len(expected) > 50
    assert ServiceRequest.objects.filter(status_code=Status.DUPLICATE).count() >= len(expected)


def test_importing_the_file_again_imports_nothing_new(day, db):
    jurisdiction, _ = day
    events = Event.objects.count()
    again = importer.import_file(CHICAGO_REQUESTS, jurisdiction)
    assert (again.imported, again.already_there) == (0, 5000)
    assert (ServiceRequest.objects.count(), Event.objects.count()) == (5000, events)
