"""Importing the City of Chicago's 311 open data, a few of the sample city's real rows at a time."""

from datetime import UTC, datetime

from civic311.catalog.models import Service
from civic311.opendata.importers import chicago as importer
from civic311.servicerequests.choices import Channel, EventKind, Status
from civic311.servicerequests.models import Event, ServiceRequest
from tests.opendata.conftest import CHICAGO_REQUESTS, chicago_rows

CHANNEL_OF_ORIGIN = {
    "Phone Call": Channel.PHONE,
    "Internet": Channel.WEB,
    "Mobile Device": Channel.APP,
    "Mass Entry": Channel.STAFF,
    "Salesforce Mobile App": Channel.STAFF,
    "Alderman's Office": Channel.STAFF,
    "spot-open311-Chicago+Works": Channel.API,
    "spot-open311-SeeClickFix": Channel.API,
}


def test_it_maps_each_origin_to_a_channel(chicago, chicago_csv):
    first_of_origin: dict[str, str] = {}
    for row in chicago_rows():
        first_of_origin.setdefault(row["origin"], row["sr_number"])
    assert set(first_of_origin) == set(CHANNEL_OF_ORIGIN)  # every origin of the file is covered
    importer.import_file(chicago_csv(*first_of_origin.values()), chicago)
    channels = dict(ServiceRequest.objects.values_list("service_request_id", "channel"))
    assert {origin: channels[number] for origin, number in first_of_origin.items()} == CHANNEL_OF_ORIGIN


def test_an_origin_it_does_not_know_becomes_the_import_channel():
    assert importer.channel("Carrier Pigeon") == Channel.IMPORT
    assert importer.channel(" PHONE CALL ") == Channel.PHONE


def test_a_completed_request_is_closed_with_its_closed_datetime(chicago, chicago_csv):
    # SR21-00000245: created 2021-01-01T02:31:26, closed 03:08:06, Chicago time (UTC-6 in January).
    importer.import_file(chicago_csv("SR21-00000245"), chicago)
    request = ServiceRequest.objects.get(service_request_id="SR21-00000245")
    assert (request.status, request.status_code) == ("closed", Status.CLOSED)
    assert request.requested_datetime == datetime(2021, 1, 1, 8, 31, 26, tzinfo=UTC)
    assert request.closed_datetime == datetime(2021, 1, 1, 9, 8, 6, tzinfo=UTC)


def test_an_open_request_stays_open_and_a_canceled_one_is_cancelled(chicago, chicago_csv):
    rows = chicago_rows()
    open_number = next(r["sr_number"] for r in rows if r["status"] == "Open")
    canceled_number = next(r["sr_number"] for r in rows if r["status"] == "Canceled")
    importer.import_file(chicago_csv(open_number, canceled_number), chicago)
    still_open = ServiceRequest.objects.get(service_request_id=open_number)
    assert (still_open.status, still_open.status_code, still_open.closed_datetime) == (
        "open",
        Status.NEW,
        None,
    )
    canceled = ServiceRequest.objects.get(service_request_id=canceled_number)
    assert (canceled.status, canceled.status_code) == ("closed", Status.CANCELLED)


def test_a_duplicate_is_linked_to_its_parent_even_when_the_parent_comes_later(chicago, chicago_csv):
    # SR21-00000247 is marked a duplicate of SR21-00000245; here it comes first in the file.
    report = importer.import_file(chicago_csv("SR21-00000247", "SR21-00000245"), chicago)
    duplicate = ServiceRequest.objects.get(service_request_id="SR21-00000247")
    assert duplicate.parent is not None and duplicate.parent.service_request_id == "SR21-00000245"
    assert duplicate.status_code == Status.DUPLICATE
    assert report.duplicates_linked == 1


def test_a_duplicate_whose_parent_is_not_in_the_file_stays_unlinked(chicago, chicago_csv):
    report = importer.import_file(chicago_csv("SR21-00000247"), chicago)
    duplicate = ServiceRequest.objects.get(service_request_id="SR21-00000247")
    assert duplicate.parent is None and duplicate.status_code == Status.DUPLICATE
    assert report.duplicates_linked == 0


def test_reimporting_the_same_file_imports_nothing_new(chicago):
    first = importer.import_file(CHICAGO_REQUESTS, chicago, limit=100)
    events = Event.objects.count()
    second = importer.import_file(CHICAGO_REQUESTS, chicago, limit=100)
    assert first.imported == 100
    assert (second.imported, second.already_there) == (0, 100)
    assert ServiceRequest.objects.count() == 100 and Event.objects.count() == events
    assert second.lines()[0] == "imported 0, already there 100, skipped 0"


def test_a_row_with_an_unreadable_date_is_skipped_and_counted_and_the_others_imported(chicago, chicago_csv):
    def garble(row):
        if row["sr_number"] == "SR21-00000002":
            row["created_date"] = "01/01/2021 12:00:56 AM"

    path = chicago_csv("SR21-00000001", "SR21-00000002", "SR21-00000004", change=garble)
    report = importer.import_file(path, chicago)
    assert report.imported == 2
    assert report.skipped == {"unreadable date '01/01/2021 12:00:56 AM'": 1}
    numbers = set(ServiceRequest.objects.values_list("service_request_id", flat=True))
    assert numbers == {"SR21-00000001", "SR21-00000004"}
    assert "  skipped 1: unreadable date '01/01/2021 12:00:56 AM'" in report.lines()


def test_a_row_without_a_number_or_with_an_unknown_status_is_skipped(chicago, chicago_csv):
    def spoil(row):
        if row["sr_number"] == "SR21-00000002":
            row["status"] = "Sleeping"
        if row["sr_number"] == "SR21-00000004":
            row["sr_number"] = ""

    path = chicago_csv("SR21-00000001", "SR21-00000002", "SR21-00000004", change=spoil)
    report = importer.import_file(path, chicago)
    assert report.imported == 1
    assert report.skipped == {"unknown status 'Sleeping'": 1, "no sr_number": 1}


def test_a_row_without_coordinates_is_imported_in_no_district(chicago, chicago_csv):
    number = next(r["sr_number"] for r in chicago_rows() if not r["latitude"])
    importer.import_file(chicago_csv(number), chicago)
    request = ServiceRequest.objects.get(service_request_id=number)
    assert (request.lat, request.long) == (None, None)
    assert not request.districts.exists()


def test_the_created_event_keeps_the_original_record(chicago, chicago_csv):
    importer.import_file(chicago_csv("SR21-00000001"), chicago)
    event = Event.objects.get(kind=EventKind.CREATED, request__service_request_id="SR21-00000001")
    assert event.channel == Channel.IMPORT
    assert event.created_at == datetime(2021, 1, 1, 6, 0, 9, tzinfo=UTC)
    assert event.data["source"] == "chicago"
    assert event.data["record"]["created_date"] == "2021-01-01T00:00:09.000"
    assert event.data["record"]["ward"] == "28"


def test_it_keeps_the_address_the_zip_code_and_the_point(chicago, chicago_csv):
    importer.import_file(chicago_csv("SR21-00000001"), chicago)
    request = ServiceRequest.objects.get(service_request_id="SR21-00000001")
    assert (request.address, request.zipcode) == ("2111 W Lexington ST", "60612")
    assert (request.lat, request.long) == (41.871831277993564, -87.67984621876099)
    assert [d.code for d in request.districts.all()] == ["28"]
    assert request.imported_from == "chicago"


def test_a_service_only_the_history_knows_is_created_inactive_and_reported(chicago, chicago_csv):
    report = importer.import_file(chicago_csv("SR21-00000001"), chicago)
    service = Service.objects.get(jurisdiction=chicago, service_code="311IOC")
    assert service.service_name == "311 INFORMATION ONLY CALL" and not service.active
    assert service.department.name == "311 City Services"
    assert report.services_created == ["311IOC"]
    assert "  services created (inactive; review them in the admin): 311IOC" in report.lines()


def test_the_newest_created_date_is_read_from_the_file():
    assert importer.newest_created(CHICAGO_REQUESTS) == datetime(2021, 1, 2, 16, 26, 14)
