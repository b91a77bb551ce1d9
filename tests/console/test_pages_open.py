"""Every console page opens for the actors who may see it."""

from tests.factories import file_request


def test_the_queue_shows_bob_his_departments_open_requests(signed_in, city):
    pothole = file_request(city.pothole, description="Hole near school")
    wellness = file_request(city.wellness)  # Water Management's
    response = signed_in("bob").get("/staff/")
    assert response.status_code == 200
    body = response.content.decode()
    assert pothole.service_request_id in body and wellness.service_request_id not in body


def test_the_request_page_shows_history_answers_and_actions(signed_in, city):
    pothole = file_request(city.pothole, description="Hole near school")
    response = signed_in("bob").get(f"/staff/requests/{pothole.service_request_id}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Where in the street is it?" in body and "Traffic lane" in body
    assert "Sent to Streets and Sanitation" in body or "Streets and Sanitation" in body
    assert "Change status" in body


def test_the_map_data_and_ward_outlines_are_geojson(signed_in, city):
    file_request(city.pothole)
    client = signed_in("bob")
    points = client.get("/staff/queue.geojson").json()
    assert points["type"] == "FeatureCollection" and len(points["features"]) == 1
    wards = client.get("/staff/districts.geojson").json()
    assert len(wards["features"]) == 2


def test_anonymous_visitors_are_sent_to_sign_in(client, city):
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


def test_keypad_digits_open_a_request(signed_in, city):
    pothole = file_request(city.pothole)
    digits = pothole.service_request_id.removeprefix("SR").replace("-", "")
    assert signed_in("bob").get(f"/staff/requests/{digits}/").status_code == 200
