"""Importing New York City's 311 open data (Socrata erm2-nwe9): the same 30 real records as CSV and JSON."""

from datetime import UTC, datetime

import pytest

from civic311.catalog.models import Service
from civic311.opendata.importers import nyc as importer
from civic311.opendata.importers.base import get_or_create_jurisdiction
from civic311.servicerequests.choices import Channel, EventKind, Status
from civic311.servicerequests.models import Event, ServiceRequest
from tests.opendata.conftest import DATA

NYC_CSV = DATA / "nyc311-2024-05-26.csv"
NYC_JSON = DATA / "nyc311-2024-05-26.json"
COMPARED = (
    "service__service_code",
    "status_code",
    "channel",
    "requested_datetime",
    "closed_datetime",
    "updated_datetime",
    "address",
    "zipcode",
    "lat",
    "long",
    "description",
    "status_notes",
    "department__name",
)


@pytest.fixture
def nyc(db):
    return get_or_create_jurisdiction("nyc.example", "New York City", "America/New_York")


@pytest.fixture
def nyc_again(db):
    return get_or_create_jurisdiction("nyc-json.example", "New York City (JSON)", "America/New_York")


def imported(jurisdiction) -> dict[str, dict]:
    rows = ServiceRequest.objects.filter(jurisdiction=jurisdiction).values("service_request_id", *COMPARED)
    return {row.pop("service_request_id"): row for row in rows}


def test_it_imports_the_csv(nyc):
    report = importer.import_file(NYC_CSV, nyc)
    assert (report.imported, sum(report.skipped.values())) == (30, 0)
    pothole = ServiceRequest.objects.get(service_request_id="61276295")
    assert pothole.service.service_name == "Street Condition"
    assert pothole.description == "Pothole"
    assert pothole.requested_datetime == datetime(2024, 5, 27, 6, 8, 51, tzinfo=UTC)  # 02:08:51 EDT
    assert pothole.address == "ST NICHOLAS AVENUE & WEST 178 STREET"  # an intersection
    assert pothole.department.name == "Department of Transportation"
    assert pothole.imported_from == "nyc"


def test_it_reads_a_zip_code_a_spreadsheet_wrote_as_a_number(nyc):
    # The CSV export has incident_zip as 10033.0; the JSON of the same record has "10033".
    importer.import_file(NYC_CSV, nyc)
    assert ServiceRequest.objects.get(service_request_id="61276295").zipcode == "10033"


def test_it_imports_the_json(nyc):
    report = importer.import_file(NYC_JSON, nyc)
    assert (report.imported, sum(report.skipped.values())) == (30, 0)


def test_the_csv_and_the_json_of_the_same_records_import_the_same(nyc, nyc_again):
    importer.import_file(NYC_CSV, nyc)
    importer.import_file(NYC_JSON, nyc_again)
    from_csv, from_json = imported(nyc), imported(nyc_again)
    assert len(from_csv) == 30
    assert from_csv == from_json


def test_statuses_map_to_ours_and_closed_requests_have_their_closed_time(nyc):
    importer.import_file(NYC_CSV, nyc)
    counts = {s: ServiceRequest.objects.filter(status_code=s).count() for s in Status.values}
    assert {s: n for s, n in counts.items() if n} == {
        Status.CLOSED: 10,
        Status.IN_PROGRESS: 14,
        Status.NEW: 6,
    }
    closed = ServiceRequest.objects.filter(status="closed")
    assert not closed.filter(closed_datetime=None).exists()
    assert closed.count() == Event.objects.filter(kind=EventKind.STATUS_CHANGED, status_code="closed").count()
    assert not ServiceRequest.objects.filter(status="open").exclude(closed_datetime=None).exists()


def test_channels_map_to_ours(nyc):
    importer.import_file(NYC_CSV, nyc)
    channels = set(ServiceRequest.objects.values_list("channel", flat=True))
    assert channels <= {Channel.WEB, Channel.APP, Channel.PHONE, Channel.IMPORT}
    assert ServiceRequest.objects.get(service_request_id="61276295").channel == Channel.IMPORT  # UNKNOWN


def test_a_record_without_coordinates_is_imported_without_a_point(nyc):
    importer.import_file(NYC_CSV, nyc)
    assert ServiceRequest.objects.filter(lat=None, long=None).count() == 3


def test_complaint_types_become_inactive_services(nyc):
    report = importer.import_file(NYC_CSV, nyc)
    street = Service.objects.get(jurisdiction=nyc, service_code="STREET-CONDITION")
    assert street.service_name == "Street Condition" and not street.active
    assert "STREET-CONDITION" in report.services_created


def test_importing_again_imports_nothing_new(nyc):
    importer.import_file(NYC_CSV, nyc)
    again = importer.import_file(NYC_JSON, nyc)
    assert (again.imported, again.already_there) == (0, 30)


def test_it_refuses_json_that_is_not_an_array(nyc, tmp_path):
    path = tmp_path / "requests.json"
    path.write_text('{"unique_key": "1"}')
    with pytest.raises(ValueError, match="expected a JSON array of records"):
        importer.import_file(path, nyc)
    assert not ServiceRequest.objects.exists()
