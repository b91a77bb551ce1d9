from datetime import timedelta

import pytest
from django.utils import timezone

from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, Status
from civic311.servicerequests.models import ServiceRequest
from tests.factories import INSIDE_WARD_1, INSIDE_WARD_2, file_request
from tests.open311.conftest import API, errors_of
from tests.open311.contract import parse_xml, validate_json, xml_to_records

STAFF = actions.Actor(channel=Channel.STAFF)


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    body = response.json()
    validate_json("requests", body)
    return [r["service_request_id"] for r in body]


def aged(request: ServiceRequest, days: float) -> ServiceRequest:
    """Move a request's dates into the past (as if filed `days` ago)."""
    when = timezone.now() - timedelta(days=days)
    ServiceRequest.objects.filter(pk=request.pk).update(requested_datetime=when, updated_datetime=when)
    request.refresh_from_db()
    return request


@pytest.fixture
def three(city):
    """A pothole today, a streetlight 10 days ago (closed), a graffiti 100 days ago."""
    pothole = file_request(city.pothole, description="Deep hole near the school")
    light = aged(file_request(city.streetlight, lat=INSIDE_WARD_2[0], long=INSIDE_WARD_2[1]), 10)
    actions.change_status(light, Status.FIXED, STAFF, note="Bulb replaced")
    old = aged(file_request(city.graffiti), 100)
    return pothole, light, old


def test_it_lists_the_last_90_days_newest_first(client, three):
    pothole, light, _ = three
    assert numbers(client.get(f"{API}/requests.json")) == [
        pothole.service_request_id,
        light.service_request_id,
    ]


def test_it_lists_in_xml_with_the_spec_element_names(client, three):
    response = client.get(f"{API}/requests.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    records = xml_to_records(parse_xml(response.content, "service_requests"), "request")
    assert [r["service_request_id"] for r in records] == [
        three[0].service_request_id,
        three[1].service_request_id,
    ]
    assert records[1]["status"] == "closed" and records[1]["status_notes"] == "Bulb replaced"
    assert float(records[0]["lat"]) == INSIDE_WARD_1[0]


def test_it_gives_lat_and_long_as_numbers_and_times_with_the_city_offset(client, three):
    item = client.get(f"{API}/requests.json").json()[0]
    assert isinstance(item["lat"], float) and isinstance(item["long"], float)
    assert item["requested_datetime"][-6:] in ("-06:00", "-05:00")
    assert item["agency_responsible"] == "Streets and Sanitation"


def test_it_filters_by_service_code_list(client, three):
    _, light, _ = three
    assert numbers(client.get(f"{API}/requests.json?service_code=SFD")) == [light.service_request_id]
    assert len(numbers(client.get(f"{API}/requests.json?service_code=SFD,PHF"))) == 2


def test_it_filters_by_status_list(client, three):
    pothole, light, _ = three
    assert numbers(client.get(f"{API}/requests.json?status=open")) == [pothole.service_request_id]
    assert numbers(client.get(f"{API}/requests.json?status=closed")) == [light.service_request_id]
    assert len(numbers(client.get(f"{API}/requests.json?status=open,closed"))) == 2


def test_it_filters_by_a_date_window(client, three):
    _, _, old = three
    start = (timezone.now() - timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (timezone.now() - timedelta(days=50)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert numbers(client.get(f"{API}/requests.json?start_date={start}&end_date={end}")) == [
        old.service_request_id
    ]


def test_a_start_date_alone_covers_90_days_from_it(client, three):
    _, _, old = three
    start = (timezone.now() - timedelta(days=105)).strftime("%Y-%m-%dT%H:%M:%S-06:00")
    # 105 to 15 days ago: the graffiti (100 days) but not the streetlight (10 days)
    assert numbers(client.get(f"{API}/requests.json?start_date={start}")) == [old.service_request_id]


def test_service_request_id_overrides_the_other_filters(client, three):
    pothole, _, old = three
    ids = f"{old.service_request_id},{pothole.service_request_id}"
    query = f"service_request_id={ids}&status=closed&service_code=SFD"
    assert set(numbers(client.get(f"{API}/requests.json?{query}"))) == {
        old.service_request_id,
        pothole.service_request_id,
    }


def test_empty_parameters_count_as_absent(client, three):
    everything = numbers(client.get(f"{API}/requests.json"))
    empty = (
        "service_code=&status=&start_date=&end_date=&page=&page_size=&q=&lat=&long=&radius=&bbox=&extensions="
    )
    assert numbers(client.get(f"{API}/requests.json?{empty}")) == everything


def test_it_pages_and_publishes_the_total(client, city):
    filed = [file_request(city.pothole).service_request_id for _ in range(7)]
    response = client.get(f"{API}/requests.json?page_size=3&page=2")
    assert numbers(response) == list(reversed(filed))[3:6]
    assert response["X-Total-Count"] == "7"
    assert 'rel="next"' in response["Link"] and 'rel="prev"' in response["Link"]
    assert "page=3" in response["Link"]
    assert numbers(client.get(f"{API}/requests.json?page_size=3&page=3")) == [filed[0]]
    assert numbers(client.get(f"{API}/requests.json?page_size=3&page=4")) == []


def test_the_default_page_holds_50(client, city):
    for _ in range(52):
        file_request(city.graffiti)
    response = client.get(f"{API}/requests.json")
    assert len(numbers(response)) == 50
    assert response["X-Total-Count"] == "52"


def test_updated_after_lists_changes_oldest_first(client, three):
    pothole, light, old = three
    actions.add_note(old, "Crew scheduled", STAFF, public=True)  # updated now, filed 100 days ago
    since = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    listed = numbers(client.get(f"{API}/requests.json?updated_after={since}"))
    # the streetlight was filed 10 days ago but fixed just now
    assert listed == [pothole.service_request_id, light.service_request_id, old.service_request_id]


def test_updated_before_bounds_the_changes(client, three):
    before = (timezone.now() - timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    after = (timezone.now() - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    # the streetlight was fixed just now, so its last update is after `before`: nothing matches
    assert numbers(client.get(f"{API}/requests.json?updated_after={after}&updated_before={before}")) == []


def test_it_finds_requests_within_a_radius(client, city):
    near = file_request(city.pothole, lat=41.8800, long=-87.6350)
    file_request(city.pothole, lat=41.8800, long=-87.6250)  # about 830 m east
    query = "lat=41.8801&long=-87.6352&radius=200"
    assert numbers(client.get(f"{API}/requests.json?{query}")) == [near.service_request_id]
    assert len(numbers(client.get(f"{API}/requests.json?lat=41.88&long=-87.635&radius=1000"))) == 2


def test_it_finds_requests_in_a_bounding_box(client, city):
    west = file_request(city.pothole, lat=41.8800, long=-87.6350)
    file_request(city.pothole, lat=41.8800, long=-87.6250)
    bbox = "-87.64,41.87,-87.63,41.89"
    assert numbers(client.get(f"{API}/requests.json?bbox={bbox}")) == [west.service_request_id]


def test_it_filters_by_agency_responsible(client, city):
    file_request(city.pothole)
    wellness_free = numbers(client.get(f"{API}/requests.json?agency_responsible=Water Management"))
    assert wellness_free == []
    assert len(numbers(client.get(f"{API}/requests.json?agency_responsible=streets"))) == 1


def test_it_searches_text(client, three):
    pothole = three[0]
    assert numbers(client.get(f"{API}/requests.json?q=school")) == [pothole.service_request_id]
    assert numbers(client.get(f"{API}/requests.json?q=SCHOOL")) == [pothole.service_request_id]
    assert len(numbers(client.get(f"{API}/requests.json?q=street light"))) == 1


def test_extensions_add_districts_channel_and_public_notes(client, three):
    _, light, _ = three
    actions.add_note(light, "Internal: crew 7 was late", STAFF, public=False)
    response = client.get(f"{API}/requests.json?extensions=true&service_code=SFD")
    body = response.json()
    validate_json("requests", body)
    item = body[0]
    assert item["extended_attributes"]["ward"] == "2"
    assert item["extended_attributes"]["districts"] == {"ward": "2"}
    assert item["extended_attributes"]["channel"] == "web"
    assert item["extended_attributes"]["status_code"] == "fixed"
    summaries = [n["summary"] for n in item["notes"]]
    assert summaries == ["Request received", "Sent to Streets and Sanitation", "Fixed"]
    assert item["notes"][-1]["type"] == "closed" and item["notes"][-1]["description"] == "Bulb replaced"
    assert "crew 7" not in response.content.decode()


def test_extensions_in_xml(client, three):
    response = client.get(f"{API}/requests.xml?extensions=true&service_code=SFD")
    root = parse_xml(response.content, "service_requests")
    record = xml_to_records(root, "request")[0]
    assert record["extended_attributes"]["ward"] == "2"
    assert [n["type"] for n in record["notes"]] == ["opened", "activity", "closed"]


def test_a_duplicate_names_its_parent_with_extensions(client, city):
    parent = file_request(city.pothole)
    child = file_request(city.pothole)
    actions.mark_duplicate(child, parent, STAFF)
    body = client.get(f"{API}/requests.json?extensions=true").json()
    by_number = {r["service_request_id"]: r for r in body}
    assert by_number[child.service_request_id]["extended_attributes"]["duplicate"] is True
    assert by_number[child.service_request_id]["extended_attributes"]["parent_service_request_id"] == (
        parent.service_request_id
    )
    assert by_number[parent.service_request_id]["extended_attributes"]["duplicates"] == [
        child.service_request_id
    ]
    assert by_number[child.service_request_id]["status"] == "closed"


BAD_QUERIES = [
    ("span over 90 days", "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", ["90 days"]),
    ("start after end", "start_date=2026-06-01T00:00:00Z&end_date=2026-05-01T00:00:00Z", ["after"]),
    ("date without zone", "start_date=2026-06-01T10:00:00", ["time zone"]),
    ("date garbage", "end_date=last tuesday", ["W3C"]),
    ("impossible date", "end_date=2026-02-30T10:00:00Z", ["end_date"]),
    ("page_size over max", "page_size=501", ["page_size", "500"]),
    ("page zero", "page=0", ["page"]),
    ("page not a number", "page=two", ["page", "whole number"]),
    ("unknown status", "status=pending", ["status", "pending"]),
    ("radius without point", "radius=100", ["lat/long"]),
    ("radius too big", "lat=41.88&long=-87.63&radius=500000", ["radius", "out of range"]),
    ("lat garbage", "lat=abc&long=-87.63", ["lat", "not a number"]),
    ("lat NaN", "lat=nan&long=-87.63", ["lat", "finite"]),
    ("bbox short", "bbox=1,2,3", ["bbox"]),
    ("bbox inverted", "bbox=-87.6,41.9,-87.7,41.8", ["bbox", "beyond"]),
    ("extensions not boolean", "extensions=maybe", ["extensions"]),
    (
        "updated span over 90 days",
        "updated_after=2025-01-01T00:00:00Z&updated_before=2026-01-01T00:00:00Z",
        ["90 days"],
    ),
    ("query too long", "q=" + "x" * 300, ["q"]),
]


@pytest.mark.parametrize(("what", "query", "words"), BAD_QUERIES, ids=[b[0] for b in BAD_QUERIES])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_it_refuses_bad_queries_with_a_clear_error(client, city, fmt, what, query, words):
    response = client.get(f"{API}/requests.{fmt}?{query}")
    assert response.status_code == 400, response.content
    text = " ".join(errors_of(response))
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"


def test_it_reports_several_bad_parameters_at_once(client, city):
    response = client.get(f"{API}/requests.json?page_size=9999&lat=abc&long=1&start_date=garbage&status=x")
    assert response.status_code == 400
    assert len(errors_of(response)) == 4


def test_the_reads_may_be_called_from_any_web_page(client, three):
    response = client.get(f"{API}/requests.json", HTTP_ORIGIN="https://app.example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "X-Total-Count" in response["Access-Control-Expose-Headers"]
    preflight = client.options(
        f"{API}/requests.json",
        HTTP_ORIGIN="https://app.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert preflight.status_code == 204 and "GET" in preflight["Access-Control-Allow-Methods"]


def test_the_open_data_filters_work_here_too_within_the_90_days(api, city, three):
    pothole, light, _old = three
    phone = file_request(city.graffiti, channel=Channel.PHONE)
    assert numbers(api.get(f"{API}/requests.json", {"district": "ward:2"})) == [light.service_request_id]
    assert numbers(api.get(f"{API}/requests.json", {"channel": "phone"})) == [phone.service_request_id]
    assert numbers(api.get(f"{API}/requests.json", {"service_group": "Street Lights"})) == [
        light.service_request_id
    ]
    assert set(numbers(api.get(f"{API}/requests.json", {"department": "streets"}))) == {
        pothole.service_request_id,
        light.service_request_id,
        phone.service_request_id,
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"district": "ward:9"}, "district: there is no ward 9"),
        ({"district": "9"}, "district: '9': give kind:code, e.g. ward:42"),
        ({"channel": "fax"}, "channel: 'fax' is not a channel"),
    ],
)
def test_an_unknown_district_or_channel_is_a_400(api, city, params, message):
    response = api.get(f"{API}/requests.json", params)
    assert response.status_code == 400
    assert any(e.startswith(message) for e in errors_of(response)), errors_of(response)
