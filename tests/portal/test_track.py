"""The tracking page: a request's public history as a parcel-tracker timeline, and nothing private."""

import io
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civic311.servicerequests import actions
from civic311.servicerequests.actions import Actor
from civic311.servicerequests.choices import Channel, Status
from civic311.servicerequests.intake import Contact
from tests.factories import file_request

STAFF = Actor(channel=Channel.STAFF)


def photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "gray").save(buffer, "JPEG")
    return SimpleUploadedFile("hole.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def pothole(city):
    return file_request(city.pothole, description="Deep hole by the bus stop")


def test_it_shows_the_public_history_as_a_timeline(client, city, pothole):
    actions.change_status(pothole, Status.IN_PROGRESS, STAFF, note="A crew is on the way")
    response = client.get(f"/track/{pothole.service_request_id}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Request received" in page
    assert "Sent to Streets and Sanitation" in page
    assert "In progress" in page
    assert "A crew is on the way" in page
    assert "Deep hole by the bus stop" in page
    assert "Pothole in Street" in page
    assert 'aria-current="step"' in page


def test_it_never_shows_internal_notes_or_the_reporters_contact(client, city, pothole):
    actions.add_note(pothole, "Reporter sounded angry, call back", STAFF, public=False)
    actions.add_note(pothole, "Crew booked for Tuesday", STAFF, public=True)
    page = client.get(f"/track/{pothole.service_request_id}").content.decode()
    assert "Crew booked for Tuesday" in page
    assert "call back" not in page
    assert "alice@example.org" not in page
    assert "555 0100" not in page and "5550100" not in page
    assert "Resident" not in page


def test_a_request_of_a_private_service_answers_404_like_an_unknown_number(client, city):
    wellness = file_request(city.wellness, description="Neighbour not seen for days")
    private = client.get(f"/track/{wellness.service_request_id}")
    unknown = client.get("/track/SR26-999999-9")
    assert private.status_code == unknown.status_code == 404
    assert "Neighbour not seen" not in private.content.decode()
    assert "Request not found" in private.content.decode()


@pytest.mark.parametrize("garbage", ["nothing-here", "x" * 500, "<script>alert(1)</script>", "%00", "SR26-"])
def test_an_unknown_or_garbage_number_gets_a_helpful_404(client, city, garbage):
    response = client.get(f"/track/{garbage}")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Check the number in your confirmation" in page
    assert "<script>alert(1)</script>" not in page


def test_keypad_digits_and_lower_case_lead_to_the_request(client, city, pothole):
    number = pothole.service_request_id  # e.g. SR26-000001-7
    digits = number.removeprefix("SR").replace("-", "")
    for typed in (digits, number.lower()):
        response = client.get(f"/track/{typed}")
        assert response.status_code == 302
        assert response["Location"] == f"/track/{number}"


def test_the_lookup_form_redirects_to_the_request(client, city, pothole):
    number = pothole.service_request_id
    response = client.get("/track/", {"number": f"  {number.lower()} "})
    assert response.status_code == 302
    assert response["Location"] == f"/track/{number}"
    assert client.get("/track/", {"number": "SR26-000000-0"}).status_code == 404
    assert client.get("/track/", {"number": "9" * 300}).status_code == 404
    blank = client.get("/track/")
    assert blank.status_code == 200
    assert 'name="number"' in blank.content.decode()


def test_it_shows_the_scheduled_date_in_the_citys_time_zone(client, city, pothole):
    # 03:00 UTC on 3 June is still 2 June in Chicago.
    type(pothole).objects.filter(pk=pothole.pk).update(
        expected_datetime=datetime(2026, 6, 3, 3, 0, tzinfo=UTC)
    )
    actions.change_status(pothole, Status.SCHEDULED, STAFF)
    page = client.get(f"/track/{pothole.service_request_id}").content.decode()
    assert "scheduled for June 2, 2026" in page


def test_it_shows_photo_thumbnails(client, city, pothole):
    media = actions.attach_media(pothole, Actor(channel=Channel.WEB), upload=photo())
    page = client.get(f"/track/{pothole.service_request_id}").content.decode()
    assert "Photo added" in page
    assert media.thumbnail.url in page
    assert 'alt="Photo of the problem"' in page


def test_it_counts_the_neighbours_who_said_me_too(client, city, pothole):
    for email in ("bo@example.org", "cy@example.org"):
        actions.add_follower(pothole, Actor(channel=Channel.WEB), email=email, reason="me_too")
    page = client.get(f"/track/{pothole.service_request_id}").content.decode()
    assert "2 neighbours reported this too." in page


def test_hostile_text_is_shown_escaped(client, city):
    sr = file_request(city.graffiti, description="Tag on the wall")
    actions.add_note(sr, '"><img src=x onerror=alert(1)> & friends', STAFF, public=True)
    page = client.get(f"/track/{sr.service_request_id}").content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; friends" in page


def test_a_duplicate_links_to_the_request_that_is_tracked(client, city, pothole):
    other = file_request(city.pothole, contact=Contact(email="bob@example.org"))
    actions.mark_duplicate(other, pothole, STAFF)
    page = client.get(f"/track/{other.service_request_id}").content.decode()
    assert f'href="/track/{pothole.service_request_id}"' in page


def test_the_timeline_fragment_is_the_status_and_history_alone(client, city, pothole):
    actions.change_status(pothole, Status.FIXED, STAFF, note="Filled")
    response = client.get(f"/track/{pothole.service_request_id}/timeline")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    fragment = response.content.decode()
    assert "Filled" in fragment and 'id="track-status"' in fragment
    assert "<html" not in fragment
    assert client.get("/track/SR26-999999-9/timeline").status_code == 404


def test_the_page_points_its_script_at_the_live_stream(client, city, pothole):
    page = client.get(f"/track/{pothole.service_request_id}").content.decode()
    assert f'data-live-url="/live/requests/{pothole.service_request_id}/events"' in page
    assert 'aria-live="polite"' in page
    assert "portal/track.js" in page


def test_it_speaks_the_residents_language(client, city, pothole):
    city.pothole.translations = {"es": {"service_name": "Bache en la calle"}}
    city.pothole.save(update_fields=["translations"])
    page = client.get(f"/track/{pothole.service_request_id}", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Bache en la calle" in page
    assert '<html lang="es">' in page


def test_nobody_said_me_too_says_nothing(client, city, pothole):
    page = client.get(f"/track/{pothole.service_request_id}").content.decode()
    assert "reported this too" not in page
