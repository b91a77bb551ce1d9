"""A report is never filed twice: the draft_key; the JSON answers the offline drafts use; "me too"."""

import uuid
from datetime import timedelta

from django.utils import timezone

from civic311.portal.models import Submission
from civic311.servicerequests.choices import FollowerReason
from civic311.servicerequests.models import Event, Follower, ServiceRequest
from tests.factories import INSIDE_WARD_1, file_request

JSON = {"Accept": "application/json"}


def pothole(key=None, **fields):
    return {
        "draft_key": str(key or uuid.uuid4()),
        "service": "PHF",
        "lat": str(INSIDE_WARD_1[0]),
        "long": str(INSIDE_WARD_1[1]),
        "q_WHERE": "LANE",
        "updates": "on",
        **fields,
    }


def test_the_same_draft_sent_twice_files_one_request(client, city):
    key = uuid.uuid4()
    first = client.post("/report/", pothole(key))
    second = client.post("/report/", pothole(key, description="sent again"))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/report/sent/{key}/"
    sr = ServiceRequest.objects.get()
    assert sr.description == ""
    assert Submission.objects.get(draft_key=key).request == sr


def test_a_draft_in_json_mode_answers_201_then_200_with_the_same_request(client, city):
    key = uuid.uuid4()
    first = client.post("/report/", pothole(key), headers=JSON)
    assert first.status_code == 201
    body = first.json()
    assert body["service_request_id"] == ServiceRequest.objects.get().service_request_id
    assert body["tracking_url"] == f"http://testserver/track/{body['service_request_id']}"
    again = client.post("/report/", pothole(key), headers=JSON)
    assert again.status_code == 200 and again.json() == body
    assert ServiceRequest.objects.count() == 1 and Event.objects.filter(kind="created").count() == 1


def test_an_invalid_draft_in_json_mode_answers_400_with_errors_by_field(client, city):
    response = client.post("/report/", pothole(q_WHERE="", email="nope", lat="north"), headers=JSON)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["q_WHERE"] == ["Please answer this question."]
    assert "email" in errors and "lat" in errors
    assert not ServiceRequest.objects.exists() and not Submission.objects.exists()


def test_a_rejected_draft_can_be_sent_again_once_fixed(client, city):
    key = uuid.uuid4()
    assert client.post("/report/", pothole(key, q_WHERE=""), headers=JSON).status_code == 400
    assert client.post("/report/", pothole(key), headers=JSON).status_code == 201


def nearby_pothole(service):
    """An open pothole about 56 m north of where the tests report theirs."""
    return file_request(service, lat=INSIDE_WARD_1[0] + 0.0005, long=INSIDE_WARD_1[1])


def test_open_requests_of_the_same_service_nearby_are_offered(client, city):
    near = nearby_pothole(city.pothole)
    file_request(city.streetlight)  # another service
    file_request(city.pothole, lat=41.885, long=-87.635)  # about 550 m away
    old = file_request(city.pothole, at=timezone.now() - timedelta(days=40))  # too old
    page = client.post("/report/", pothole(action="continue")).content.decode()
    assert "Is it one of these?" in page
    assert f'name="me_too" value="{near.service_request_id}"' in page
    assert old.service_request_id not in page
    fragment = client.get(
        "/report/nearby", {"service": "PHF", "lat": INSIDE_WARD_1[0], "long": INSIDE_WARD_1[1]}
    ).content.decode()
    assert near.service_request_id in fragment and "56 m away" in fragment


def test_private_requests_are_never_offered_as_nearby(client, city):
    file_request(city.wellness)
    fragment = client.get(
        "/report/nearby", {"service": "WELL", "lat": INSIDE_WARD_1[0], "long": INSIDE_WARD_1[1]}
    ).content.decode()
    assert "Add me" not in fragment


def test_the_nearby_fragment_refuses_bad_numbers(client, city):
    response = client.get("/report/nearby", {"service": "PHF", "lat": "inf", "long": "x"})
    assert response.status_code == 400


def test_me_too_follows_the_existing_request_instead_of_filing_a_new_one(client, city):
    near = nearby_pothole(city.pothole)
    key = uuid.uuid4()
    response = client.post("/report/", pothole(key, me_too=near.service_request_id, email="cy@example.org"))
    assert response.status_code == 302
    assert ServiceRequest.objects.count() == 1
    follower = Follower.objects.get(request=near, email="cy@example.org")
    assert follower.reason == FollowerReason.ME_TOO
    page = client.get(response["Location"]).content.decode()
    assert "You were added to this request" in page and near.service_request_id in page
    # Sent again (a double tap): the same answer, no second follower.
    client.post("/report/", pothole(key, me_too=near.service_request_id, email="cy@example.org"))
    assert Follower.objects.filter(request=near, reason=FollowerReason.ME_TOO).count() == 1


def test_me_too_needs_a_way_to_send_the_updates(client, city):
    near = nearby_pothole(city.pothole)
    response = client.post("/report/", pothole(me_too=near.service_request_id))
    assert response.status_code == 400
    assert f"To add you to {near.service_request_id}, give an email" in response.content.decode()
    assert not Follower.objects.filter(reason=FollowerReason.ME_TOO).exists()


def test_me_too_in_json_mode(client, city):
    near = nearby_pothole(city.pothole)
    response = client.post(
        "/report/", pothole(me_too=near.service_request_id, phone="+1 312 555 0111"), headers=JSON
    )
    assert response.status_code == 201
    assert response.json()["service_request_id"] == near.service_request_id and response.json()["me_too"]


def test_me_too_on_a_closed_or_unknown_request_is_refused(client, city):
    response = client.post("/report/", pothole(me_too="SR-NOPE", email="cy@example.org"))
    assert response.status_code == 400
    assert "is not open any more" in response.content.decode()
    assert not Follower.objects.exists()


def test_the_confirmation_of_an_unknown_draft_is_not_found(client, city):
    assert client.get(f"/report/sent/{uuid.uuid4()}/").status_code == 404
