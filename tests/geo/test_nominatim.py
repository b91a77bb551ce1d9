"""The Nominatim geocoder against a local HTTP server speaking Nominatim's jsonv2 format."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from civic311.geo.geocoder import NominatimGeocoder, get_geocoder

SEARCH_RESULT = [
    {
        "place_id": 1,
        "osm_type": "node",
        "osm_id": 4242,
        "lat": "41.8781136",
        "lon": "-87.6297982",
        "display_name": "121 North LaSalle Street, Loop, Chicago, Cook County, Illinois, 60602, USA",
        "address": {
            "house_number": "121",
            "road": "North LaSalle Street",
            "city": "Chicago",
            "postcode": "60602",
        },
    }
]
REVERSE_RESULT = {**SEARCH_RESULT[0], "place_id": 2}


class FakeNominatim(BaseHTTPRequestHandler):
    seen: list = []

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        FakeNominatim.seen.append((url.path, query, self.headers.get("User-Agent")))
        if url.path == "/search":
            body = SEARCH_RESULT if "lasalle" in query["q"][0].lower() else []
        elif url.path == "/reverse":
            body = REVERSE_RESULT if float(query["lat"][0]) > 41 else {"error": "Unable to geocode"}
        else:
            self.send_error(404)
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def nominatim_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNominatim)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeNominatim.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_it_geocodes_with_a_nominatim_server(city, nominatim_url):
    place = NominatimGeocoder(nominatim_url).geocode(city.jurisdiction, "121 N LaSalle St")
    assert (place.lat, place.long, place.zipcode) == (41.8781136, -87.6297982, "60602")
    path, query, agent = FakeNominatim.seen[0]
    assert path == "/search" and query["format"] == ["jsonv2"] and agent == "civic311 geocoder"


def test_an_unknown_address_is_none(city, nominatim_url):
    assert NominatimGeocoder(nominatim_url).geocode(city.jurisdiction, "nowhere at all") is None


def test_it_reverses_a_point_and_says_none_where_nominatim_cannot(city, nominatim_url):
    geocoder = NominatimGeocoder(nominatim_url)
    assert geocoder.reverse(city.jurisdiction, 41.878, -87.63).address.startswith("121 North LaSalle")
    assert geocoder.reverse(city.jurisdiction, 0.5, 0.5) is None


def test_the_setting_chooses_nominatim(settings, nominatim_url):
    settings.GEOCODER, settings.NOMINATIM_URL = "nominatim", nominatim_url
    assert isinstance(get_geocoder(), NominatimGeocoder)


def test_a_request_filed_by_address_is_placed_by_nominatim(settings, client, city, nominatim_url):
    from tests.open311.conftest import API, pothole_form

    settings.GEOCODER, settings.NOMINATIM_URL = "nominatim", nominatim_url
    city.wards[0].geometry = {
        "type": "Polygon",
        "coordinates": [[[-87.7, 41.8], [-87.6, 41.8], [-87.6, 41.95], [-87.7, 41.95], [-87.7, 41.8]]],
    }
    city.wards[0].save()
    form = pothole_form(city, lat=None, long=None, address_string="121 N LaSalle St")
    response = client.post(f"{API}/requests.json", form)
    assert response.status_code == 200, response.content
    item = client.get(f"{API}/requests/{response.json()[0]['service_request_id']}.json").json()[0]
    assert (item["lat"], item["long"], item["zipcode"]) == (41.8781136, -87.6297982, "60602")
