"""Requests around a place: a list (paged) and GeoJSON points for the map, filtered by service, status
and dates; public requests only; bad coordinates and dates answered clearly."""

from datetime import UTC, datetime

import pytest

from civic311.servicerequests import actions
from civic311.servicerequests.actions import Actor
from civic311.servicerequests.choices import Channel, Status
from tests.factories import INSIDE_WARD_1, INSIDE_WARD_2, file_request

STAFF = Actor(channel=Channel.STAFF)


@pytest.fixture
def requests_around(city):
    near = file_request(city.pothole, at=datetime(2026, 3, 1, 15, tzinfo=UTC))
    light = file_request(
        city.streetlight, lat=INSIDE_WARD_2[0], long=INSIDE_WARD_2[1], at=datetime(2026, 4, 1, 15, tzinfo=UTC)
    )
    fixed = file_request(city.graffiti, at=datetime(2026, 5, 1, 15, tzinfo=UTC))
    actions.change_status(fixed, Status.FIXED, STAFF)
    private = file_request(city.wellness)
    return near, light, fixed, private


def numbers(response) -> set[str]:
    return {feature["properties"]["number"] for feature in response.json()["features"]}


def test_it_lists_public_requests_around_the_city_centre(client, city, requests_around):
    near, light, fixed, private = requests_around
    response = client.get("/around/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "3 requests found" in page
    for sr in (near, light, fixed):
        assert f'href="/track/{sr.service_request_id}"' in page
    assert private.service_request_id not in page
    assert "Wellness" not in page


def test_it_searches_around_a_point_within_a_radius(client, city, requests_around):
    near, light, fixed, _ = requests_around
    # Ward 1's point: the ward 2 light is 830 m east.
    around = {"lat": INSIDE_WARD_1[0], "long": INSIDE_WARD_1[1]}
    assert numbers(client.get("/around/points.geojson", {**around, "radius": 500})) == {
        near.service_request_id,
        fixed.service_request_id,
    }
    assert light.service_request_id in numbers(
        client.get("/around/points.geojson", {**around, "radius": 1000})
    )


def test_it_searches_around_an_address(client, city, requests_around):
    near, light, _, _ = requests_around
    response = client.get("/around/", {"place": "300 E Main St", "radius": 250})
    assert response.status_code == 200
    page = response.content.decode()
    assert light.service_request_id in page
    assert near.service_request_id not in page


def test_it_filters_by_service_status_and_dates(client, city, requests_around):
    near, light, fixed, _ = requests_around
    points = "/around/points.geojson"
    assert numbers(client.get(points, {"service": "PHF"})) == {near.service_request_id}
    assert numbers(client.get(points, {"status": "closed"})) == {fixed.service_request_id}
    assert numbers(client.get(points, {"status": "open"})) == {
        near.service_request_id,
        light.service_request_id,
    }
    assert numbers(client.get(points, {"start": "2026-03-15", "end": "2026-04-30"})) == {
        light.service_request_id
    }


def test_the_points_are_geojson_with_links_to_each_request(client, city, requests_around):
    near = requests_around[0]
    response = client.get("/around/points.geojson", {"service": "PHF"})
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    (feature,) = body["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [near.long, near.lat]}
    assert feature["properties"]["url"] == f"/track/{near.service_request_id}"
    assert feature["properties"]["status"] == "open"
    assert "reporter" not in str(feature)


def test_the_list_is_paged(client, city):
    for _ in range(23):
        file_request(city.graffiti)
    first = client.get("/around/", {"service": "GRAF"}).content.decode()
    assert "23 requests found" in first and "Page 1 of 2" in first
    assert "service=GRAF&amp;page=2" in first
    second = client.get("/around/", {"service": "GRAF", "page": 2}).content.decode()
    assert second.count('href="/track/SR') == 3
    assert client.get("/around/", {"page": "999"}).status_code == 200
    assert client.get("/around/", {"page": "garbage"}).status_code == 200


@pytest.mark.parametrize(
    "params, message",
    [
        ({"lat": "91", "long": "0"}, "The coordinates are not valid"),
        ({"lat": "abc", "long": "-87"}, "The coordinates are not valid"),
        ({"lat": "41.88"}, "The coordinates are not valid"),
        ({"lat": "nan", "long": "nan"}, "The coordinates are not valid"),
        ({"lat": "inf", "long": "1"}, "The coordinates are not valid"),
        ({"start": "yesterday"}, "From must be a date like 2026-05-31."),
        ({"end": "2026-13-45"}, "To must be a date like 2026-05-31."),
        ({"start": "2026-05-02", "end": "2026-05-01"}, "The end date is before the start date."),
        ({"status": "maybe"}, "Choose open, closed or all."),
        ({"service": "WELL"}, "There is no such type of problem."),
        ({"radius": "99999999"}, "Choose one of the distances offered."),
        ({"place": "1 Nowhere Boulevard"}, "We could not find this address."),
        ({"place": "x" * 1000}, "This address is too long."),
        ({"place": "1 Main\x00 St"}, "The search contains characters that cannot be used."),
        ({"service": "PHF\x00"}, "The search contains characters that cannot be used."),
    ],
)
def test_bad_search_input_is_answered_with_400_and_a_clear_message(client, city, params, message):
    page = client.get("/around/", params)
    assert page.status_code == 400
    assert message in page.content.decode()
    assert 'role="alert"' in page.content.decode()
    points = client.get("/around/points.geojson", params)
    assert points.status_code == 400
    assert any(message in text for text in points.json()["errors"].values())


def test_the_page_has_the_map_for_the_script(client, city, requests_around):
    page = client.get("/around/").content.decode()
    assert 'id="around-map"' in page and "portal/around.js" in page and "portal/map.js" in page
    assert 'data-points="/around/points.geojson"' in page
