"""Importing the City of Boston's 311 open data (pre-2019 schema): 51 real rows of 2015 (data/README.md)."""

import csv
import gzip
import io
import shutil
from collections import defaultdict
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Q
from django.test.utils import CaptureQueriesContext

from civic311.catalog.models import Jurisdiction, Service
from civic311.geo.models import NO_POLYGON, District
from civic311.opendata.importers import base
from civic311.opendata.importers import boston as importer
from civic311.opendata.importers.base import ImportInterrupted, get_or_create_jurisdiction
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, EventKind, Status
from civic311.servicerequests.models import Event, ServiceRequest
from tests.opendata.conftest import DATA, write_csv

BOSTON_CSV = DATA / "boston311-2015.csv"
ROWS = 51
TIME = importer.TIME_FORMAT


def fixture_rows() -> list[dict]:
    with open(BOSTON_CSV, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def changed_csv(tmp_path, changes: dict[str, dict], name: str = "changed.csv"):
    """The fixture with some columns of some rows (by CASE_ENQUIRY_ID) changed."""
    rows = fixture_rows()
    for row in rows:
        row.update(changes.get(row["CASE_ENQUIRY_ID"], {}))
    return write_csv(tmp_path / name, rows)


def request(number: str) -> ServiceRequest:
    return ServiceRequest.objects.get(service_request_id=number)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def boston(db) -> Jurisdiction:
    return get_or_create_jurisdiction(
        importer.JURISDICTION_ID, importer.JURISDICTION_NAME, importer.TIME_ZONE
    )


@pytest.fixture
def imported(boston) -> base.ImportReport:
    return importer.import_file(BOSTON_CSV, boston)


def test_it_imports_every_row(boston, imported):
    assert (imported.imported, imported.already_there, sum(imported.skipped.values())) == (ROWS, 0, 0)
    assert ServiceRequest.objects.filter(jurisdiction=boston, imported_from="boston").count() == ROWS


def test_times_are_boston_time_with_daylight_saving(imported):
    # 01/01/2015 11:12:50 AM, EST (UTC-5)
    assert request("101001240788").requested_datetime == utc(2015, 1, 1, 16, 12, 50)
    # 07/06/2015 10:33:00 AM, EDT (UTC-4)
    assert request("101001423501").requested_datetime == utc(2015, 7, 6, 14, 33, 0)
    # 03/08/2015 09:15:55 AM: the morning clocks went forward at 2 AM, already EDT
    assert request("101001326968").requested_datetime == utc(2015, 3, 8, 13, 15, 55)
    # 11/01/2015 01:16:00 AM came twice (clocks went back at 2 AM EDT): taken as the first, EDT
    ambiguous = request("101001624970")
    assert ambiguous.requested_datetime == utc(2015, 11, 1, 5, 16, 0)
    # …and the next morning is EST again: 11/02/2015 08:39:07 AM
    assert ambiguous.closed_datetime == utc(2015, 11, 2, 13, 39, 7)


def test_target_dates_become_the_expected_time(imported):
    # TARGET_DT 01/16/2015 08:30:00 AM EST
    assert request("101001240788").expected_datetime == utc(2015, 1, 16, 13, 30)
    # TARGET_DT 07/13/2015 10:33:38 AM EDT
    assert request("101001423501").expected_datetime == utc(2015, 7, 13, 14, 33, 38)
    assert request("101001242404").expected_datetime is None  # no TARGET_DT
    with_target = sum(1 for r in fixture_rows() if r["TARGET_DT"])
    assert ServiceRequest.objects.exclude(expected_datetime=None).count() == with_target


def test_open_cases_stay_open_and_closed_ones_close_at_their_closed_time(imported):
    rows = fixture_rows()
    open_numbers = {r["CASE_ENQUIRY_ID"] for r in rows if r["CASE_STATUS"] == "Open"}
    assert set(ServiceRequest.objects.filter(status="open").values_list("service_request_id", flat=True)) == (
        open_numbers
    )
    assert not ServiceRequest.objects.filter(status="open").exclude(closed_datetime=None).exists()
    assert set(ServiceRequest.objects.filter(status="open").values_list("status_code", flat=True)) == {
        Status.NEW
    }
    closed = request("101001240788")  # CLOSED_DT 01/02/2015 01:08:40 PM
    assert (closed.status, closed.status_code, closed.closed_datetime) == (
        "closed",
        Status.CLOSED,
        utc(2015, 1, 2, 18, 8, 40),
    )
    assert ServiceRequest.objects.filter(status="closed").count() == len(rows) - len(open_numbers)
    assert not ServiceRequest.objects.filter(status="closed", closed_datetime=None).exists()


def test_a_closing_seconds_before_the_opening_is_moved_to_the_opening(imported):
    # OPEN_DT 07/09/2015 02:51:24 PM, CLOSED_DT 02:51:12 PM: two clocks, twelve seconds apart
    skewed = request("101001426275")
    assert skewed.closed_datetime == skewed.requested_datetime == utc(2015, 7, 9, 18, 51, 24)


def test_the_closure_reason_is_the_closing_note(imported):
    closed = request("101001240788")
    assert closed.status_notes == "Case Closed Case Noted Case noted thank you."
    closing = Event.objects.get(request=closed, kind=EventKind.STATUS_CHANGED)
    assert (closing.note, closing.created_at, closing.status_code) == (
        "Case Closed Case Noted Case noted thank you.",
        closed.closed_datetime,
        Status.CLOSED,
    )


def test_an_open_case_does_not_carry_an_earlier_closings_text(imported):
    # 101001256352 is Open, with the CLOSURE_REASON of a closing since undone
    reopened = request("101001256352")
    assert (reopened.status, reopened.status_notes) == ("open", "")


@pytest.mark.parametrize(
    ("reason", "status", "parent"),
    [
        ("Case Closed Duplicate of Existing Case", Status.DUPLICATE, ""),
        ("Case Closed Duplicate of Existing Case 101001243036", Status.DUPLICATE, "101001243036"),
        (
            "Case Closed. Closed date : 2015-07-31 10:06:38.38 Duplicate of Existing Case",
            Status.DUPLICATE,
            "",
        ),
        ("Case Closed Duplicate of Existing Case 101001266273 101001310418", Status.DUPLICATE, ""),
        ("Case Closed ROA: Refer to Other Agency/Division", Status.REFERRED, ""),
        (
            "Case Closed. Closed date : 2015-07-09 10:48:10.93 ROA: Refer to Other Agency/Division",
            Status.REFERRED,
            "",
        ),
        ("Case Closed Case Referred to External Agency reported to DCR", Status.REFERRED, ""),
        # Words further on are not the outcome staff chose:
        ("Case Closed Case Resolved duplicate case", Status.CLOSED, ""),
        ("Case Closed Case Noted referred to parks dept", Status.CLOSED, ""),
        (
            "Case Closed Case Resolved Location has been made safe. This sidewalk will be referred",
            Status.CLOSED,
            "",
        ),
        ("Case Closed Case Invalid duplicate", Status.CLOSED, ""),
        ("", Status.CLOSED, ""),
    ],
)
def test_the_closing_outcome_gives_the_status(reason, status, parent):
    assert importer.closure(reason, "101001241693") == (status, parent)


def test_duplicates_are_linked_to_the_case_they_name_even_when_it_comes_later(imported):
    for child, parent in (("101001241693", "101001243036"), ("101001434136", "101001434141")):
        duplicate = request(child)
        assert duplicate.status_code == Status.DUPLICATE
        assert duplicate.parent is not None and duplicate.parent.service_request_id == parent
        assert Event.objects.filter(
            request__service_request_id=parent, kind=EventKind.DUPLICATE_ADDED
        ).exists()
    assert imported.duplicates_linked == 2
    # A duplicate that names no case, and one closed "Case Resolved duplicate case" (not the outcome)
    assert (request("101001336784").status_code, request("101001336784").parent) == (Status.DUPLICATE, None)
    assert request("101001435338").status_code == Status.DUPLICATE  # "Case Closed. Closed date : …"
    assert request("101001348760").status_code == Status.CLOSED


def test_referrals_are_referred_and_mentions_of_a_referral_are_not(imported):
    for number in ("101001271847", "101001353294", "101001420293"):
        assert request(number).status_code == Status.REFERRED, number
    for number in ("101001325379", "101001395308"):
        assert request(number).status_code == Status.CLOSED, number
    assert request("101001271847").status == "closed"


def test_each_source_maps_to_a_channel(imported):
    first_of_source: dict[str, str] = {}
    for row in fixture_rows():
        first_of_source.setdefault(row["Source"], row["CASE_ENQUIRY_ID"])
    channels = dict(ServiceRequest.objects.values_list("service_request_id", "channel"))
    assert {source: channels[number] for source, number in first_of_source.items()} == {
        "Constituent Call": Channel.PHONE,
        "Citizens Connect App": Channel.APP,
        "Self Service": Channel.WEB,
        "Employee Generated": Channel.STAFF,
        "City Worker App": Channel.STAFF,
        "Maximo Integration": Channel.STAFF,
        "Twitter": Channel.IMPORT,
    }


def test_the_placeholder_point_is_not_taken_for_a_place(imported):
    at_placeholder = {
        r["CASE_ENQUIRY_ID"]
        for r in fixture_rows()
        if (r["LATITUDE"], r["LONGITUDE"]) == ("42.3594", "-71.0587")
    }
    assert len(at_placeholder) == 8
    without_point = set(ServiceRequest.objects.filter(lat=None).values_list("service_request_id", flat=True))
    assert without_point == at_placeholder
    assert not ServiceRequest.objects.filter(lat=42.3594, long=-71.0587).exists()
    # Not geocoded, but its address and ward are known
    placeholder = request("101001251817")
    assert placeholder.address  # Location is known
    assert list(placeholder.districts.values_list("kind", "code")) == [
        ("council_district", "1"),
        ("ward", "3"),
    ]
    located = request("101001242404")
    assert (located.lat, located.long) == (42.3504, -71.0867)


def test_addresses_and_zip_codes(imported):
    located = request("101001242404")
    assert located.address == "29 Hereford St Boston MA 02115"  # the file's double spaces collapsed
    assert located.zipcode == "02115"  # LOCATION_ZIPCODE 2115.0
    # Without LOCATION_ZIPCODE, the ZIP that ends Location
    assert (
        importer.zipcode({"LOCATION_ZIPCODE": "", "Location": "29 Hereford St  Boston  MA  02115"}) == "02115"
    )
    assert (
        importer.zipcode({"LOCATION_ZIPCODE": "", "Location": "INTERSECTION of A St & B St  Boston  MA"})
        == ""
    )


def test_wards_and_council_districts_come_from_the_rows_codes(boston, imported):
    def districts(number: str) -> dict[str, str]:
        return dict(request(number).districts.values_list("kind", "code"))

    assert districts("101001240788") == {"ward": "12", "council_district": "7"}  # 'Ward 12', '7.0'
    assert districts("101001245206") == {"ward": "20", "council_district": "6"}  # '20'
    assert districts("101001342489") == {"ward": "3", "council_district": "2"}  # '03'
    assert districts("101001401273") == {"ward": "3", "council_district": "2"}  # '3'
    assert districts("101001435338") == {"ward": "9"}  # council district '0.0': none
    assert districts("101001244072") == {}  # no ward, no district
    ward = District.objects.get(jurisdiction=boston, kind="ward", code="3")
    assert (ward.name, ward.geometry) == ("Ward 3", NO_POLYGON)
    council = District.objects.get(jurisdiction=boston, kind="council_district", code="7")
    assert council.name == "City Council District 7"
    wards = {importer.district_code(r["ward"]) for r in fixture_rows()} - {""}
    assert set(District.objects.filter(kind="ward").values_list("code", flat=True)) == wards
    assert ServiceRequest.objects.filter(districts=ward).count() == sum(
        1 for r in fixture_rows() if importer.district_code(r["ward"]) == "3"
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Ward 3", "3"),
        ("03", "3"),
        ("3", "3"),
        ("7.0", "7"),
        ("Ward 22", "22"),
        ("0.0", ""),
        ("", ""),
        ("x", ""),
    ],
)
def test_district_codes_are_normalised(text, code):
    assert importer.district_code(text) == code


def test_districts_without_a_polygon_leave_filing_and_maps_alone(boston, imported, client):
    from civic311.geo.districts import district_ids_at, has_districts

    assert District.objects.filter(jurisdiction=boston).exists()
    assert not has_districts(boston.pk)  # no polygon: no point is "outside the city"
    assert district_ids_at(boston.pk, 42.3504, -71.0867) == []
    assert not District.objects.with_polygon().filter(jurisdiction=boston).exists()


def test_the_service_department_and_group_come_from_type_reason_and_subject(boston, imported):
    hotline = request("101001240788")  # SUBJECT Mayor's 24 Hour Hotline, Department PWDx
    assert hotline.department.name == "Mayor's 24 Hour Hotline"
    assert hotline.department.code == "mayors-24-hour-hotline"
    service = hotline.service
    row = next(r for r in fixture_rows() if r["CASE_ENQUIRY_ID"] == "101001240788")
    assert (service.service_code, service.service_name, service.group) == (
        importer.service_code(row["TYPE"]),
        row["TYPE"],
        row["REASON"],
    )
    assert not service.active and service.department.name == "Mayor's 24 Hour Hotline"
    assert Service.objects.filter(jurisdiction=boston).count() == len({r["TYPE"] for r in fixture_rows()})


def test_a_boston_case_number_is_found_as_boston_wrote_it(imported, client):
    # 101001241693 passes the Damm check: once read as keypad digits of one of our numbers, it was not found.
    response = client.get("/open311/v2/requests/101001241693.json", {"jurisdiction_id": "boston.example"})
    assert response.status_code == 200, response.content
    assert response.json()[0]["service_request_id"] == "101001241693"


def test_a_gzip_file_imports_as_the_plain_one(boston, tmp_path):
    packed = tmp_path / "boston.csv.gz"
    with open(BOSTON_CSV, "rb") as source, gzip.open(packed, "wb") as target:
        shutil.copyfileobj(source, target)
    report = importer.import_file(packed, boston)
    assert (report.imported, sum(report.skipped.values())) == (ROWS, 0)


# --- importing again ------------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(boston, imported):
    before = list(ServiceRequest.objects.order_by("pk").values())
    events = Event.objects.count()
    again = importer.import_file(BOSTON_CSV, boston)
    assert (again.imported, again.already_there, again.updated, sum(again.skipped.values())) == (
        0,
        ROWS,
        0,
        0,
    )
    assert again.duplicates_linked == 0
    assert again.lines()[0] == f"imported 0, already there {ROWS}, skipped 0"
    assert Event.objects.count() == events
    assert list(ServiceRequest.objects.order_by("pk").values()) == before


def test_a_reimport_reads_each_batch_in_a_few_queries_not_one_a_row(boston, imported, tmp_path, monkeypatch):
    monkeypatch.setattr(base, "BATCH", 10)  # six batches
    path = changed_csv(tmp_path, {"101001518557": {"TARGET_DT": "08/20/2015 08:30:00 AM"}})
    with CaptureQueriesContext(connection) as queries:
        report = importer.import_file(path, boston)
    assert (report.already_there, report.updated) == (ROWS, 1)
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    # The catalog once (services, departments, each kind of district), two reads a batch (the requests
    # there, their district links), and two more, locked, for the one batch with a change: never one a row.
    assert len(reads) <= 4 + 2 * 6 + 2, "\n".join(reads)
    locking = [sql for sql in reads if "FOR UPDATE" in sql]
    assert len(locking) <= 1  # only the changed request is locked (none on SQLite: it locks the database)


def test_a_newer_file_updates_what_changed_with_an_event_for_each_change(boston, imported, tmp_path):
    events = Event.objects.count()
    path = changed_csv(
        tmp_path,
        {
            # open, now closed
            "101001245661": {
                "CASE_STATUS": "Closed",
                "CLOSED_DT": "01/22/2015 10:00:00 AM",
                "CLOSURE_REASON": "Case Closed Case Resolved fixed",
            },
            # a new target date
            "101001518557": {"TARGET_DT": "08/20/2015 08:30:00 AM"},
            # closed again, later
            "101001240788": {"CLOSED_DT": "01/03/2015 09:00:00 AM"},
            # closed, now reopened
            "101001242404": {"CASE_STATUS": "Open", "CLOSED_DT": "", "CLOSURE_REASON": ""},
        },
    )
    report = importer.import_file(path, boston)
    assert (report.imported, report.already_there, report.updated) == (0, ROWS, 4)
    assert report.lines()[0] == f"imported 0, already there {ROWS} (updated 4), skipped 0"

    now_closed = request("101001245661")
    assert (now_closed.status_code, now_closed.closed_datetime) == (Status.CLOSED, utc(2015, 1, 22, 15, 0))
    assert now_closed.status_notes == "Case Closed Case Resolved fixed"
    closing = Event.objects.get(request=now_closed, kind=EventKind.STATUS_CHANGED)
    assert (closing.created_at, closing.note, closing.data) == (
        utc(2015, 1, 22, 15, 0),
        "Case Closed Case Resolved fixed",
        {"source": "boston", "from": Status.NEW, "to": Status.CLOSED},
    )
    assert now_closed.updated_datetime >= closing.created_at

    retargeted = request("101001518557")
    assert retargeted.expected_datetime == utc(2015, 8, 20, 12, 30)
    note = Event.objects.get(request=retargeted, kind=EventKind.NOTE)
    assert not note.public and "expected datetime" in note.note
    assert note.data["changed"]["expected_datetime"] == [None, "2015-08-20T08:30:00-04:00"]
    assert retargeted.updated_datetime == note.created_at  # a sync client sees it changed

    reclosed = request("101001240788")
    assert reclosed.closed_datetime == utc(2015, 1, 3, 14, 0)
    assert "closed datetime" in Event.objects.get(request=reclosed, kind=EventKind.NOTE).note

    reopened = request("101001242404")
    assert (reopened.status, reopened.status_code, reopened.closed_datetime) == ("open", Status.NEW, None)
    opening = Event.objects.filter(request=reopened, kind=EventKind.STATUS_CHANGED).last()
    assert opening.data["to"] == Status.NEW

    assert Event.objects.count() == events + 4  # one event per change here
    # And the newer file once more: nothing left to change
    again = importer.import_file(path, boston)
    assert (again.imported, again.updated, again.already_there) == (0, 0, ROWS)
    assert Event.objects.count() == events + 4


def test_a_case_moved_to_another_department_is_routed_there(boston, imported, tmp_path):
    before = request("101001240788").department
    path = changed_csv(tmp_path, {"101001240788": {"SUBJECT": "Public Works Department"}})
    assert importer.import_file(path, boston).updated == 1
    moved = request("101001240788")
    assert moved.department.name == "Public Works Department"
    routed = Event.objects.filter(request=moved, kind=EventKind.ROUTED).last()
    assert routed.public and routed.data["department_name"] == "Public Works Department"
    assert routed.data["before"] == {"department": before.pk}  # as reroute writes it: the figures recount


def test_a_request_of_another_source_with_the_same_number_is_left_alone(boston):
    service = Service.objects.create(jurisdiction=boston, service_code="ours", service_name="Ours")
    actions.import_requests(
        [
            actions.ImportedRequest(
                service=service,
                service_request_id="101001240788",
                requested_datetime=utc(2020, 1, 1),
                source="elsewhere",
            )
        ]
    )
    report = importer.import_file(BOSTON_CSV, boston)
    assert (report.imported, report.already_there, report.updated) == (ROWS - 1, 1, 0)
    kept = request("101001240788")
    assert (kept.imported_from, kept.service_id, kept.requested_datetime) == (
        "elsewhere",
        service.pk,
        utc(2020, 1, 1),
    )


def test_an_interrupted_import_finishes_when_run_again(boston, monkeypatch):
    monkeypatch.setattr(base, "BATCH", 10)
    mapped = 0
    real_map_row = importer.map_row

    def stopped_at_the_35th_row(row, catalog):
        nonlocal mapped
        mapped += 1
        if mapped == 35:
            raise KeyboardInterrupt  # Ctrl-C, with 34 rows read and 30 of them written
        return real_map_row(row, catalog)

    monkeypatch.setattr(importer, "map_row", stopped_at_the_35th_row)
    with pytest.raises(ImportInterrupted) as stopped:
        importer.import_file(BOSTON_CSV, boston)
    assert stopped.value.report.imported == 30  # three whole batches; the fourth was rolled back
    assert ServiceRequest.objects.filter(jurisdiction=boston).count() == 30

    monkeypatch.setattr(importer, "map_row", real_map_row)
    resumed = importer.import_file(BOSTON_CSV, boston)
    assert (resumed.imported, resumed.already_there, resumed.updated) == (ROWS - 30, 30, 0)
    assert ServiceRequest.objects.filter(jurisdiction=boston).count() == ROWS
    # Both duplicates linked, though one of them was written in the interrupted run
    assert ServiceRequest.objects.exclude(parent=None).count() == 2
    assert Event.objects.filter(kind=EventKind.DUPLICATE_ADDED).count() == 2
    # The same history as one uninterrupted import: one created event per request, no event twice
    assert Event.objects.filter(kind=EventKind.CREATED).count() == ROWS
    assert not (
        Event.objects.values("request", "kind", "created_at").annotate(n=Count("pk")).filter(n__gt=1).exists()
    )


def test_the_command_says_how_to_finish_an_interrupted_import(boston, monkeypatch):
    def interrupted(row, catalog):
        raise KeyboardInterrupt

    monkeypatch.setattr(importer, "map_row", interrupted)
    out = io.StringIO()
    with pytest.raises(CommandError, match="run the same command again") as stopped:
        call_command("import_data", "boston", str(BOSTON_CSV), stdout=out)
    assert stopped.value.returncode == 130
    assert "boston: imported 0" in out.getvalue()


# --- rows it cannot use -----------------------------------------------------------------------------


def test_malformed_rows_are_reported_and_the_rest_imported(boston, tmp_path):
    rejects = tmp_path / "rejects.csv"
    path = changed_csv(
        tmp_path,
        {
            "101001240788": {"OPEN_DT": "13/45/2015 11:12:50 AM"},
            "101001241058": {"CASE_ENQUIRY_ID": ""},
            "101001241068": {"LATITUDE": "north", "LONGITUDE": "-71.0474"},
            "101001242404": {"LATITUDE": "142.35", "LONGITUDE": "-71.0867"},
            "101001242405": {"TARGET_DT": "soon"},
            "101001242870": {"CASE_STATUS": "Pending"},
            "101001243036": {"CLOSED_DT": ""},
        },
    )
    report = importer.import_file(path, boston, rejects=rejects)
    assert report.imported == ROWS - 5
    assert dict(report.skipped) == {
        "unreadable OPEN_DT '13/45/2015 11:12:50 AM'": 1,
        "no CASE_ENQUIRY_ID": 1,
        "unreadable TARGET_DT 'soon'": 1,
        "unknown CASE_STATUS 'Pending'": 1,
        "CASE_STATUS Closed without a CLOSED_DT": 1,
    }
    # Bad coordinates: imported without a point, and said so
    assert (request("101001241068").lat, request("101001242404").lat) == (None, None)
    assert report.noted == {"unreadable LATITUDE/LONGITUDE: without a point": 2}
    assert "  imported 2 all the same: unreadable LATITUDE/LONGITUDE: without a point" in report.lines()

    with open(rejects, newline="", encoding="utf-8") as handle:
        rejected = list(csv.DictReader(handle))
    order = [r["CASE_ENQUIRY_ID"] for r in fixture_rows()]
    assert [(r["record"], r["reason"]) for r in rejected] == [
        (str(order.index("101001240788") + 1), "unreadable OPEN_DT '13/45/2015 11:12:50 AM'"),
        (str(order.index("101001241058") + 1), "no CASE_ENQUIRY_ID"),
        (str(order.index("101001242405") + 1), "unreadable TARGET_DT 'soon'"),
        (str(order.index("101001242870") + 1), "unknown CASE_STATUS 'Pending'"),
        (str(order.index("101001243036") + 1), "CASE_STATUS Closed without a CLOSED_DT"),
    ]
    assert list(rejected[0])[:3] == ["record", "reason", "CASE_ENQUIRY_ID"]
    assert (
        rejected[0]["OPEN_DT"] == "13/45/2015 11:12:50 AM"
        and rejected[0]["CASE_ENQUIRY_ID"] == "101001240788"
    )
    assert f"  rows not imported, with the reason: {rejects}" in report.lines()


def test_the_command_imports_into_boston_and_writes_the_rejects(db, tmp_path):
    rejects = tmp_path / "rejects.csv"
    out = io.StringIO()
    call_command("import_data", "boston", str(BOSTON_CSV), "--rejects", str(rejects), "--quiet", stdout=out)
    jurisdiction = Jurisdiction.objects.get(jurisdiction_id="boston.example")
    assert (jurisdiction.name, jurisdiction.time_zone) == ("City of Boston", "America/New_York")
    assert f"boston: imported {ROWS}, already there 0, skipped 0" in out.getvalue()
    assert rejects.read_text().splitlines() == ["record,reason"]  # nothing rejected
    out = io.StringIO()
    call_command("import_data", "boston", str(BOSTON_CSV), stdout=out)
    assert f"boston: imported 0, already there {ROWS}, skipped 0" in out.getvalue()


# --- figures: the file's and ours agree -------------------------------------------------------------


def test_the_on_time_share_per_department_is_the_files(boston, imported):
    """On time = closed no later than the target (CLOSED_DT <= TARGET_DT), among closed cases with a target.

    The file's own OnTime_Status says the same wherever it is filled in (checked here), but it is blank
    on some closed cases and, on open ones, tells the state on the day of the export; so the dates are
    what is compared."""
    raw: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in fixture_rows():
        if row["CASE_STATUS"] != "Closed" or not row["TARGET_DT"]:
            continue
        on_time = datetime.strptime(row["CLOSED_DT"], TIME) <= datetime.strptime(row["TARGET_DT"], TIME)
        if row["OnTime_Status"]:
            assert (row["OnTime_Status"] == "ONTIME") == on_time, row["CASE_ENQUIRY_ID"]
        raw[row["SUBJECT"]][0] += on_time
        raw[row["SUBJECT"]][1] += 1
    from_file = {subject: round(on_time / total, 6) for subject, (on_time, total) in raw.items()}

    figures = (
        ServiceRequest.objects.filter(jurisdiction=boston, status="closed")
        .exclude(expected_datetime=None)
        .values("department__name")
        .annotate(
            total=Count("pk"), on_time=Count("pk", filter=Q(closed_datetime__lte=F("expected_datetime")))
        )
    )
    from_ours = {f["department__name"]: round(f["on_time"] / f["total"], 6) for f in figures}
    assert from_ours == from_file
    assert len(from_file) >= 5 and 0 < min(from_file.values()) < 1  # departments with both kinds
