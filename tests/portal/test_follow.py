"""Following a request from its tracking page: updates by email or text message, and "me too"."""

import pytest
from django.core.cache import cache

from civic311.servicerequests.choices import FollowerReason
from civic311.servicerequests.models import Follower
from tests.factories import file_request


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def pothole(city):
    return file_request(city.pothole)


def follow(client, sr, **data):
    return client.post(f"/track/{sr.service_request_id}/follow", data)


def test_a_neighbour_follows_by_email(client, city, pothole):
    response = follow(client, pothole, email="bo@example.org", name="Bo", reason="follow")
    assert response.status_code == 302
    assert response["Location"] == f"/track/{pothole.service_request_id}#follow"
    follower = Follower.objects.get(request=pothole, email="bo@example.org")
    assert follower.active and follower.name == "Bo"
    assert follower.reason != FollowerReason.ME_TOO
    page = client.get(response["Location"]).content.decode()
    assert "You will get updates about this request." in page
    assert "bo@example.org" not in page


def test_a_neighbour_follows_by_text_message(client, city, pothole):
    assert follow(client, pothole, phone="+1 312 555 0199").status_code == 302
    assert Follower.objects.filter(request=pothole, phone="+13125550199").exists()


def test_me_too_is_counted(client, city, pothole):
    response = follow(client, pothole, email="cy@example.org", reason="me_too")
    assert response.status_code == 302
    assert Follower.objects.get(email="cy@example.org").reason == FollowerReason.ME_TOO
    page = client.get(f"/track/{pothole.service_request_id}").content.decode()
    assert "1 neighbour reported this too." in page
    assert "Thank you: you are counted" in page


def test_following_twice_keeps_one_follower_and_reactivates_it(client, city, pothole):
    follow(client, pothole, email="bo@example.org")
    Follower.objects.filter(email="bo@example.org").update(active=False)
    follow(client, pothole, email="bo@example.org")
    assert Follower.objects.filter(email="bo@example.org").count() == 1
    assert Follower.objects.get(email="bo@example.org").active


@pytest.mark.parametrize(
    "data, field",
    [
        ({}, "follow-email-error"),
        ({"email": "not an address"}, "follow-email-error"),
        ({"phone": "call me maybe"}, "follow-phone-error"),
        ({"email": "a" * 400 + "@example.org"}, "follow-email-error"),
        ({"email": "bo@example.org", "name": "N" * 5000}, "follow-name-error"),
    ],
)
def test_bad_contact_details_are_refused_and_nothing_is_stored(client, city, pothole, data, field):
    before = Follower.objects.count()
    response = follow(client, pothole, **data)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="{field}" role="alert"' in page
    assert f'aria-describedby="{field}"' in page
    assert Follower.objects.count() == before


def test_a_private_or_unknown_request_cannot_be_followed(client, city):
    wellness = file_request(city.wellness)
    before = Follower.objects.count()
    assert follow(client, wellness, email="bo@example.org").status_code == 404
    assert client.post("/track/SR26-999999-9/follow", {"email": "bo@example.org"}).status_code == 404
    assert Follower.objects.count() == before


def test_following_needs_a_post(client, city, pothole):
    assert client.get(f"/track/{pothole.service_request_id}/follow").status_code == 405


def test_a_flood_of_follows_from_one_client_is_refused_with_429(client, city, pothole):
    for n in range(10):
        assert follow(client, pothole, email=f"n{n}@example.org").status_code == 302
    response = follow(client, pothole, email="one-more@example.org")
    assert response.status_code == 429
    assert "Too many tries from here" in response.content.decode()
    assert not Follower.objects.filter(email="one-more@example.org").exists()
