"""The resident app's start page and the public ward outlines its maps draw on."""

from tests.factories import file_request


def test_the_home_page_offers_to_report_a_problem_and_to_track_a_request(client, city):
    file_request(city.pothole)
    page = client.get("/").content.decode()
    assert 'href="/report/"' in page
    assert 'action="/track/"' in page and 'name="number"' in page
    assert "Springfield 311" in page


def test_the_home_page_counts_open_requests_and_services(client, city):
    file_request(city.pothole)
    page = client.get("/").content.decode()
    assert "1 open request," in page
    assert "5 services." in page


def test_the_home_page_keeps_the_developers_links(client, city):
    page = client.get("/").content.decode()
    for link in [
        "/open311/v2/services.json",
        "/open311/discovery.json",
        "/open311/docs",
        "/open311/v2/requests.json",
    ]:
        assert link in page


def test_the_home_page_says_how_to_begin_without_a_city(client, db):
    assert b"civic311 init --sample-city" in client.get("/").content


def test_the_ward_outlines_are_public_geojson(client, city):
    response = client.get("/districts.geojson")
    assert response.status_code == 200
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert sorted(f["properties"]["name"] for f in data["features"]) == ["Ward 1", "Ward 2"]
    assert data["features"][0]["geometry"]["type"] == "Polygon"
    assert "public" in response["Cache-Control"]


def test_the_ward_outlines_answer_only_get(client, city):
    assert client.post("/districts.geojson").status_code == 405
