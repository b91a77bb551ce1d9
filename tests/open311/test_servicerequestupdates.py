"""FixMyStreet's servicerequestupdates extension: pull public updates, push updates with a key."""

from datetime import timedelta

import pytest
from django.utils import timezone

from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, Status
from civic311.servicerequests.models import Event, ServiceRequest
from tests.open311.conftest import API, errors_of
from tests.open311.contract import parse_xml, validate_json, xml_to_records

STAFF = actions.Actor(channel=Channel.STAFF)


def window(days: float = 1) -> str:
    start = (timezone.now() - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (timezone.now() + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"start_date={start}&end_date={end}"


@pytest.fixture
def worked(created):
    request = ServiceRequest.objects.get(service_request_id=created)
    actions.change_status(request, Status.SCHEDULED, STAFF, note="Scheduled for Tuesday")
    actions.add_note(request, "Internal only", STAFF, public=False)
    actions.change_status(request, Status.FIXED, STAFF, note="Pothole filled")
    return request


def test_it_lists_public_updates_with_upper_case_statuses(client, worked):
    response = client.get(f"{API}/servicerequestupdates.json?{window()}")
    assert response.status_code == 200
    body = response.json()
    validate_json("servicerequestupdates", body)
    mine = [u for u in body if u["service_request_id"] == worked.service_request_id]
    assert [u["status"] for u in mine][-2:] == ["ACTION_SCHEDULED", "FIXED"]
    assert mine[-1]["description"] == "Pothole filled"
    assert "Internal only" not in response.content.decode()
    assert len({u["update_id"] for u in body}) == len(body)


def test_it_lists_updates_in_xml(client, worked):
    response = client.get(f"{API}/servicerequestupdates.xml?{window()}")
    records = xml_to_records(parse_xml(response.content, "service_request_updates"), "request_update")
    assert records[-1]["status"] == "FIXED"


def test_the_window_excludes_older_updates(client, worked):
    Event.objects.filter(request=worked).update(created_at=timezone.now() - timedelta(days=3))
    body = client.get(f"{API}/servicerequestupdates.json?{window(1)}").json()
    assert body == []


def test_a_window_over_90_days_is_refused(client, city):
    response = client.get(
        f"{API}/servicerequestupdates.json?start_date=2026-01-01T00:00:00Z&end_date=2026-09-01T00:00:00Z"
    )
    assert response.status_code == 400
    assert "90 days" in errors_of(response)[0]


def post_update(client, city, number, **fields):
    form = {
        "api_key": city.raw_key,
        "service_request_id": number,
        "status": "IN_PROGRESS",
        "description": "Looking into it",
        "update_id": "fms-1",
        "updated_datetime": "2026-11-20T10:00:00Z",
    }
    form.update(fields)
    return client.post(f"{API}/servicerequestupdates.json", {k: v for k, v in form.items() if v is not None})


def test_fixmystreet_can_push_a_status_change(client, city, created):
    response = post_update(client, city, created, first_name="Fiona", email="fiona@fms.example")
    assert response.status_code == 200, response.content
    body = response.json()
    validate_json("servicerequestupdates_post_response", body)
    request = ServiceRequest.objects.get(service_request_id=created)
    assert request.status_code == Status.IN_PROGRESS and request.status_notes == "Looking into it"
    event = Event.objects.get(pk=int(body[0]["update_id"]))
    assert event.api_client == city.api_key and event.external_id == "fms-1"
    assert event.data["author"]["email"] == "fiona@fms.example"


def test_a_retried_update_is_recorded_once(client, city, created):
    first = post_update(client, city, created).json()
    again = post_update(client, city, created).json()
    assert first == again
    assert Event.objects.filter(external_id="fms-1").count() == 1


def test_an_update_with_the_same_status_becomes_a_public_note(client, city, created):
    response = post_update(client, city, created, status="OPEN", description="Another resident saw it too")
    assert response.status_code == 200
    event = Event.objects.get(external_id="fms-1")
    assert event.kind == "note" and event.public and event.note == "Another resident saw it too"


def test_lower_case_statuses_are_accepted(client, city, created):
    assert post_update(client, city, created, status="fixed").status_code == 200
    assert ServiceRequest.objects.get(service_request_id=created).status == "closed"


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"status": "SORTED"}, 400, ["status", "SORTED"]),
        ({"status": None}, 400, ["status", "required"]),
        ({"service_request_id": ""}, 400, ["service_request_id", "required"]),
        ({"updated_datetime": "yesterday"}, 400, ["updated_datetime"]),
        ({"description": "x" * 5000}, 400, ["description", "4000"]),
        ({"api_key": "wrong"}, 403, ["api_key"]),
        ({"api_key": None}, 403, ["api_key"]),
    ],
    ids=["unknown status", "no status", "no request", "bad time", "too long", "wrong key", "no key"],
)
def test_bad_updates_are_refused_and_change_nothing(client, city, created, fields, status, words):
    events = Event.objects.count()
    response = post_update(client, city, created, **fields)
    assert response.status_code == status, response.content
    text = " ".join(errors_of(response))
    assert all(word in text for word in words), text
    assert Event.objects.count() == events
    assert ServiceRequest.objects.get(service_request_id=created).status_code == Status.NEW


def test_an_update_for_an_unknown_request_is_404(client, city):
    response = post_update(client, city, "SR26-424242-0")
    assert response.status_code == 404


def test_fixmystreet_can_push_an_update_and_read_the_answer_in_xml(client, city, created):
    form = {
        "api_key": city.raw_key,
        "service_request_id": created,
        "status": "ACTION_SCHEDULED",
        "description": "Booked",
        "update_id": "fms-xml-1",
    }
    response = client.post(f"{API}/servicerequestupdates.xml", form)
    assert response.status_code == 200
    records = xml_to_records(parse_xml(response.content, "service_request_updates"), "request_update")
    assert Event.objects.get(pk=int(records[0]["update_id"])).status_code == Status.SCHEDULED
