"""What is published when a request's history grows: public updates of public requests on the request's
topic, in the shape the GeoReport API gives them; every event, reduced to identifiers, on its
department's staff topic; and nothing that breaks the request when publishing fails."""

import logging

import pytest

from civic311.live.publishers import request_topic, staff_topic
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, Status
from tests.factories import file_request
from tests.live.conftest import Listener

STAFF = actions.Actor(channel=Channel.STAFF)
STAFF_KEYS = {"id", "kind", "service_request_id", "status_code", "public", "created_at", "jurisdiction_id"}


@pytest.fixture
def pothole(city, in_process):
    return file_request(city.pothole, description="Deep hole by the bus stop")


def test_a_public_status_change_is_published_as_the_note_the_api_shows(
    pothole, api, django_capture_on_commit_callbacks
):
    with Listener([request_topic(pothole.service_request_id)]) as listener:
        with django_capture_on_commit_callbacks(execute=True):
            event = actions.change_status(pothole, Status.IN_PROGRESS, STAFF, note="A crew is on the way")
        message = listener.next()
    assert message == {
        "topic": f"request:{pothole.service_request_id}",
        "id": str(event.pk),
        "service_request_id": pothole.service_request_id,
        "jurisdiction_id": "springfield.example",
        "status": "open",
        "status_code": "in_progress",
        "datetime": message["datetime"],
        "summary": "In progress",
        "type": "activity",
        "description": "A crew is on the way",
    }
    answer = api.get(f"/open311/v2/requests/{pothole.service_request_id}.json?extensions=true").json()
    note = answer[0]["notes"][-1]
    assert {key: message[key] for key in note} == note


def test_an_internal_note_goes_to_the_staff_topic_only_and_without_its_text(
    pothole, city, django_capture_on_commit_callbacks
):
    topics = [request_topic(pothole.service_request_id), staff_topic("streets")]
    with Listener(topics) as listener:
        with django_capture_on_commit_callbacks(execute=True):
            note = actions.add_note(pothole, "Reporter sounded upset; call back", STAFF, public=False)
            closing = actions.change_status(pothole, Status.FIXED, STAFF, note="Filled")
        # One queue for both topics, and each event goes to the request topic before the staff topic:
        # so had the internal note been published publicly, it would arrive first.
        arrived = [listener.next() for _ in range(3)]
    assert [(m["topic"], m["id"]) for m in arrived] == [
        ("staff:department:streets", str(note.pk)),
        (f"request:{pothole.service_request_id}", str(closing.pk)),
        ("staff:department:streets", str(closing.pk)),
    ]
    staff_note = arrived[0]
    assert set(staff_note) - {"topic"} == STAFF_KEYS
    assert staff_note["public"] is False
    assert staff_note["kind"] == "note"
    assert "upset" not in str(arrived)


def test_a_private_services_request_is_never_published_on_its_request_topic(
    city, in_process, django_capture_on_commit_callbacks
):
    wellness = file_request(city.wellness, description="Neighbour not seen for days")
    topics = [request_topic(wellness.service_request_id), staff_topic("water")]
    with Listener(topics) as listener:
        with django_capture_on_commit_callbacks(execute=True):
            event = actions.change_status(wellness, Status.FIXED, STAFF, note="Visited; all well")
        first = listener.next()
    # A public event of a private request: staff hear of it (first, so nothing went out publicly before).
    assert (first["topic"], first["id"], first["public"]) == ("staff:department:water", str(event.pk), True)
    assert "Visited" not in str(first)


def test_the_events_of_filing_a_request_are_published_after_commit(
    city, in_process, django_capture_on_commit_callbacks
):
    with Listener([staff_topic("streets")]) as listener:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            sr = file_request(city.pothole)
            assert listener.messages.empty()  # nothing before the commit
        kinds = [listener.next()["kind"] for _ in range(2)]
    assert len(callbacks) == 1  # the filing's events are announced together (actions.announced_together)
    assert kinds == ["created", "routed"]
    assert sr.status_code == Status.NEW


def test_a_broker_that_cannot_publish_does_not_break_the_change(
    pothole, settings, caplog, django_capture_on_commit_callbacks
):
    from tests.servers import free_port

    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    with (
        caplog.at_level(logging.WARNING, logger="civic311.live"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        actions.change_status(pothole, Status.FIXED, STAFF, note="Filled")
    pothole.refresh_from_db()
    assert pothole.status_code == Status.FIXED
    assert "cannot publish to Redis" in caplog.text
