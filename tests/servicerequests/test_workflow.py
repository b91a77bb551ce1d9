"""Changing a request: status with a public note, notes, duplicates. Every change is an event."""

import pytest

from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, Status
from civic311.servicerequests.intake import RequestRejected
from tests.factories import file_request

STAFF = actions.Actor(channel=Channel.STAFF)


def test_a_status_change_is_an_event_and_updates_the_request(city):
    request = file_request(city.pothole)
    event = actions.change_status(request, Status.SCHEDULED, STAFF, note="Crew booked for Tuesday")
    assert event.kind == "status_changed" and event.data == {"from": "new", "to": "scheduled"}
    request.refresh_from_db()
    assert (request.status, request.status_code, request.status_notes) == (
        "open",
        "scheduled",
        "Crew booked for Tuesday",
    )
    assert request.updated_datetime == event.created_at


def test_closing_sets_the_closed_time_and_reopening_clears_it(city):
    request = file_request(city.pothole)
    actions.change_status(request, Status.FIXED, STAFF)
    assert request.status == "closed" and request.closed_datetime is not None
    actions.change_status(request, Status.NEW, STAFF, note="It came back")
    assert request.status == "open" and request.closed_datetime is None


def test_each_reopening_is_counted_and_the_closed_time_is_when_it_last_closed_from_open(city):
    from datetime import timedelta

    request = file_request(city.pothole)
    start = request.requested_datetime
    actions.change_status(request, Status.FIXED, STAFF, at=start + timedelta(hours=1))
    # Fixed, then closed by a supervisor's sweep: still closed since the first hour.
    actions.change_status(request, Status.CLOSED, STAFF, at=start + timedelta(hours=5))
    assert request.closed_datetime == start + timedelta(hours=1) and request.times_reopened == 0
    for n in (1, 2):
        actions.change_status(request, Status.IN_PROGRESS, STAFF, at=start + timedelta(days=n))
        assert request.times_reopened == n and request.closed_datetime is None
        actions.change_status(request, Status.FIXED, STAFF, at=start + timedelta(days=n, hours=2))
    assert request.closed_datetime == start + timedelta(days=2, hours=2)
    # Open to open is no reopening.
    other = file_request(city.pothole)
    actions.change_status(other, Status.IN_PROGRESS, STAFF)
    assert other.times_reopened == 0


def test_an_unknown_status_is_refused(city):
    request = file_request(city.pothole)
    with pytest.raises(RequestRejected, match="not a status"):
        actions.change_status(request, "sorted", STAFF)
    assert request.events.count() == 2


def test_an_internal_note_changes_nothing_the_public_sees(city):
    request = file_request(city.pothole)
    before = request.updated_datetime
    event = actions.add_note(request, "Crew 7 was late", STAFF, public=False)
    assert not event.public
    request.refresh_from_db()
    assert request.updated_datetime == before and request.status_notes == ""


def test_a_public_note_becomes_the_status_notes(city):
    request = file_request(city.pothole)
    actions.add_note(request, "We have a crew nearby", STAFF, public=True)
    assert request.status_notes == "We have a crew nearby"


def test_an_empty_note_is_refused(city):
    with pytest.raises(RequestRejected):
        actions.add_note(file_request(city.pothole), "   ", STAFF, public=True)


def test_marking_a_duplicate_closes_it_and_both_histories_say_so(city):
    parent, child = file_request(city.pothole), file_request(city.pothole)
    actions.mark_duplicate(child, parent, STAFF)
    assert child.status_code == Status.DUPLICATE and child.parent == parent and child.status == "closed"
    assert child.status_notes == f"Duplicate of {parent.service_request_id}"
    assert parent.events.filter(kind="duplicate_added").get().data == {"duplicate": child.service_request_id}


def test_a_duplicate_of_a_duplicate_points_at_the_original(city):
    original, middle, last = (file_request(city.pothole) for _ in range(3))
    actions.mark_duplicate(middle, original, STAFF)
    actions.mark_duplicate(last, middle, STAFF)
    assert last.parent == original


def test_a_request_cannot_duplicate_itself_or_its_own_duplicate(city):
    first, second = file_request(city.pothole), file_request(city.pothole)
    with pytest.raises(RequestRejected, match="itself"):
        actions.mark_duplicate(first, first, STAFF)
    actions.mark_duplicate(second, first, STAFF)
    with pytest.raises(RequestRejected, match="already a duplicate"):
        actions.mark_duplicate(first, second, STAFF)


def test_a_media_url_can_be_attached_later(city):
    request = file_request(city.pothole)
    media = actions.attach_media(request, STAFF, url="https://photos.example.org/after.jpg")
    assert request.media_url == "https://photos.example.org/after.jpg"
    assert media.event.kind == "media_added"


def test_attaching_nothing_is_refused(city):
    with pytest.raises(RequestRejected):
        actions.attach_media(file_request(city.pothole), STAFF)
