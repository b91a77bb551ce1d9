"""Importing GeoReport v2 service requests another server published: real San Francisco JSON, and XML.

XML is read with defusedxml: a DTD or entity declaration (XXE, billion laughs) refuses the file.
"""

import json
from datetime import UTC, datetime

import pytest

from civic311.catalog.models import Department, Service
from civic311.opendata.importers import open311 as importer
from civic311.opendata.importers.base import get_or_create_jurisdiction
from civic311.servicerequests.choices import EventKind, Status
from civic311.servicerequests.models import Event, ServiceRequest
from tests.opendata.conftest import DATA

SF_REQUESTS = DATA / "sf311-encampments-requests.json"

REQUESTS_XML = """<?xml version="1.0" encoding="UTF-8"?>
<service_requests>
  <request>
    <service_request_id>SF-1</service_request_id>
    <status>open</status>
    <service_code>POTHOLE</service_code>
    <service_name>Pothole</service_name>
    <description>A hole by the bus stop &amp; the hydrant</description>
    <agency_responsible>Public Works</agency_responsible>
    <requested_datetime>2025-09-04T22:37:50-07:00</requested_datetime>
    <updated_datetime>2025-09-05T08:00:00-07:00</updated_datetime>
    <address>94 Hayes St</address>
    <zipcode>94102</zipcode>
    <lat>37.77762504</lat>
    <long>-122.41780958</long>
    <media_url>javascript:alert(1)</media_url>
  </request>
  <request>
    <service_request_id>SF-2</service_request_id>
    <status>closed</status>
    <status_notes>Case Resolved.</status_notes>
    <service_code>POTHOLE</service_code>
    <requested_datetime>2025-09-03T10:00:00Z</requested_datetime>
    <updated_datetime>2025-09-04T10:00:00Z</updated_datetime>
    <lat>37.7</lat>
    <long>-122.4</long>
  </request>
</service_requests>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<service_requests><request><service_request_id>&e;</service_request_id><status>open</status>
<service_code>X</service_code><requested_datetime>2025-09-03T10:00:00Z</requested_datetime></request>
</service_requests>
"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<service_requests><request><description>&lol9;</description></request></service_requests>
"""


@pytest.fixture
def sf(db):
    return get_or_create_jurisdiction("sf.example", "San Francisco", "America/Los_Angeles")


def nothing_stored() -> bool:
    return not (ServiceRequest.objects.exists() or Event.objects.exists() or Service.objects.exists())


def test_it_imports_real_georeport_json(sf):
    report = importer.import_file(SF_REQUESTS, sf)
    records = json.loads(SF_REQUESTS.read_text())
    assert (report.imported, sum(report.skipped.values())) == (30, 0)
    assert ServiceRequest.objects.filter(jurisdiction=sf, imported_from="open311").count() == 30
    first = ServiceRequest.objects.get(service_request_id=records[0]["service_request_id"])
    assert first.address == "94 Hayes St"
    assert first.description.startswith("There is a person bending over with many belongings")
    assert (first.lat, first.long) == (37.77762504, -122.41780958)
    assert first.requested_datetime == datetime(2025, 9, 4, 22, 37, 50, tzinfo=UTC)
    assert first.media_url == records[0]["media_url"]
    assert first.status_notes == "Case Resolved."


def test_open_and_closed_become_our_statuses(sf):
    importer.import_file(SF_REQUESTS, sf)
    records = {r["service_request_id"]: r for r in json.loads(SF_REQUESTS.read_text())}
    for request in ServiceRequest.objects.all():
        record = records[request.service_request_id]
        assert request.status == record["status"]
        if record["status"] == "closed":
            assert request.status_code == Status.CLOSED
            assert request.closed_datetime == datetime.fromisoformat(record["updated_datetime"])
            assert Event.objects.filter(request=request, kind=EventKind.STATUS_CHANGED).exists()
        else:
            assert (request.status_code, request.closed_datetime) == (Status.NEW, None)
        assert Event.objects.filter(request=request, kind=EventKind.CREATED).exists()


def test_the_services_it_did_not_know_are_created_inactive(sf):
    report = importer.import_file(SF_REQUESTS, sf)
    assert sorted(report.services_created) == [
        "City Services:General Request:Request for City Services",
        "HSOC:Homeless:Encampment",
    ]
    assert not Service.objects.filter(jurisdiction=sf, active=True).exists()


def test_importing_the_same_file_again_imports_nothing_new(sf):
    importer.import_file(SF_REQUESTS, sf)
    again = importer.import_file(SF_REQUESTS, sf)
    assert (again.imported, again.already_there) == (0, 30)


def test_it_imports_only_the_first_records_with_a_limit(sf):
    assert importer.import_file(SF_REQUESTS, sf, limit=5).imported == 5


def test_it_imports_georeport_xml(sf, tmp_path):
    path = tmp_path / "requests.xml"
    path.write_text(REQUESTS_XML, encoding="utf-8")
    report = importer.import_file(path, sf)
    assert report.imported == 2
    first = ServiceRequest.objects.get(service_request_id="SF-1")
    assert first.description == "A hole by the bus stop & the hydrant"
    assert first.requested_datetime == datetime(2025, 9, 5, 5, 37, 50, tzinfo=UTC)
    assert (first.address, first.zipcode, first.lat) == ("94 Hayes St", "94102", 37.77762504)
    assert first.status == "open"
    assert first.media_url == ""  # only http(s) URLs are kept
    assert first.department == Department.objects.get(jurisdiction=sf, name="Public Works")
    second = ServiceRequest.objects.get(service_request_id="SF-2")
    assert second.status_code == Status.CLOSED
    assert second.closed_datetime == datetime(2025, 9, 4, 10, 0, tzinfo=UTC)


def test_a_record_with_a_bad_date_or_status_is_skipped_and_counted(sf, tmp_path):
    records = [
        {"service_request_id": "1", "service_code": "X", "status": "open", "requested_datetime": "yesterday"},
        {
            "service_request_id": "2",
            "service_code": "X",
            "status": "pending",
            "requested_datetime": "2025-09-03",
        },
        {
            "service_request_id": "3",
            "service_code": "X",
            "status": "open",
            "requested_datetime": "2025-09-03",
        },
        {"service_code": "X", "status": "open", "requested_datetime": "2025-09-03"},
        "not a record",
    ]
    path = tmp_path / "requests.json"
    path.write_text(json.dumps(records))
    report = importer.import_file(path, sf)
    assert report.imported == 1
    assert report.skipped == {
        "requested_datetime: 'yesterday' is not a W3C datetime such as 2026-01-31T14:05:00-06:00": 1,
        "status 'pending' is neither open nor closed": 1,
        "no service_request_id or requested_datetime": 1,
    }


def test_it_refuses_xml_with_an_external_entity_and_stores_nothing(sf, tmp_path):
    path = tmp_path / "xxe.xml"
    path.write_text(XXE)
    with pytest.raises(importer.Open311FileError, match="refused, the XML declares a DTD or entities"):
        importer.import_file(path, sf)
    assert nothing_stored()


def test_it_refuses_a_billion_laughs_and_stores_nothing(sf, tmp_path):
    path = tmp_path / "lol.xml"
    path.write_text(BILLION_LAUGHS)
    with pytest.raises(importer.Open311FileError, match="DTD or entities"):
        importer.import_file(path, sf)
    assert nothing_stored()


def test_it_refuses_xml_that_is_not_well_formed_or_not_service_requests(sf, tmp_path):
    broken = tmp_path / "broken.xml"
    broken.write_text("<service_requests><request>")
    with pytest.raises(importer.Open311FileError, match="not well-formed XML"):
        importer.import_file(broken, sf)
    other = tmp_path / "services.xml"
    other.write_text("<services><service/></services>")
    with pytest.raises(importer.Open311FileError, match="the root element is <services>"):
        importer.import_file(other, sf)
    assert nothing_stored()


@pytest.mark.parametrize("content", ['{"service_requests": []}', '"requests"', "42", "null"])
def test_it_refuses_json_that_is_not_an_array_and_stores_nothing(sf, tmp_path, content):
    path = tmp_path / "requests.json"
    path.write_text(content)
    with pytest.raises(importer.Open311FileError, match="expected a JSON array of service requests"):
        importer.import_file(path, sf)
    assert nothing_stored()


def test_it_refuses_a_file_that_is_not_json_and_stores_nothing(sf, tmp_path):
    path = tmp_path / "requests.json"
    path.write_bytes(b"\xff\xfe not json")
    with pytest.raises(importer.Open311FileError, match="not JSON"):
        importer.import_file(path, sf)
    assert nothing_stored()
