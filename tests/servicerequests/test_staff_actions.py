"""What staff do to requests: reroute, assign, prioritise, refer, follow, escalate. Every one an event."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from civic311.routing.models import Team
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, Status
from civic311.servicerequests.intake import Contact, RequestRejected
from civic311.servicerequests.models import Follower
from tests.factories import file_request

STAFF = actions.Actor(channel=Channel.STAFF)


@pytest.fixture
def crew(city):
    team = Team.objects.create(department=city.water, code="north", name="North crew")
    bob = get_user_model().objects.create_user("bob")
    team.members.add(bob)
    return team, bob


def test_rerouting_to_another_department_is_public_and_says_so(city, crew):
    team, bob = crew
    request = file_request(city.pothole)
    event = actions.reroute(request, STAFF, department=city.water, team=team, assignee=bob, note="Water main")
    assert (request.department, request.team, request.assignee) == (city.water, team, bob)
    assert event.kind == "routed" and event.public and event.data["by_hand"] is True
    assert event.data["before"]["department"] == city.streets.pk
    assert request.routing_rule is None


def test_reassigning_within_the_team_is_internal(city, crew):
    team, bob = crew
    request = file_request(city.pothole)
    actions.reroute(request, STAFF, department=city.water, team=team)
    event = actions.assign(request, STAFF, bob)
    assert event.kind == "assigned" and not event.public and request.assignee == bob


def test_a_team_of_another_department_is_refused(city, crew):
    team, _ = crew
    with pytest.raises(RequestRejected, match="not a team of"):
        actions.reroute(file_request(city.pothole), STAFF, department=city.streets, team=team)


def test_someone_outside_the_team_cannot_be_assigned(city, crew):
    team, _ = crew
    carol = get_user_model().objects.create_user("carol")
    with pytest.raises(RequestRejected, match="not in North crew"):
        actions.reroute(file_request(city.pothole), STAFF, department=city.water, team=team, assignee=carol)


def test_priority_changes_are_recorded(city):
    request = file_request(city.pothole)
    event = actions.set_priority(request, STAFF, 3)
    assert request.priority == 3 and event.data == {"from": 1, "to": 3}
    with pytest.raises(RequestRejected):
        actions.set_priority(request, STAFF, 9)


def test_referring_closes_the_request_and_names_the_outside_body(city):
    request = file_request(city.pothole)
    event = actions.refer(request, STAFF, to="Illinois Department of Transportation")
    assert request.status_code == Status.REFERRED and request.status == "closed"
    assert event.data["referred_to"] == "Illinois Department of Transportation"
    assert request.status_notes == "Referred to Illinois Department of Transportation"


def test_the_reporter_follows_their_request(city):
    request = file_request(city.pothole)
    assert list(request.followers.values_list("email", "reason")) == [("alice@example.org", "reporter")]


def test_a_caller_can_follow_a_request_once(city):
    request = file_request(city.pothole)
    actions.add_follower(request, STAFF, phone="+1 312 555 0142", name="Dora")
    actions.add_follower(request, STAFF, phone="+1 312 555 0142", name="Dora")
    assert request.followers.filter(reason="caller").count() == 1
    assert request.events.filter(kind="follower_added", public=False).count() == 1


def test_a_follower_needs_a_way_to_be_reached(city):
    with pytest.raises(RequestRejected, match="email or a phone"):
        actions.add_follower(file_request(city.pothole), STAFF, name="Nobody")


def test_the_followers_of_a_duplicate_follow_the_original(city):
    original = file_request(city.pothole)
    duplicate = file_request(city.pothole, contact=Contact(email="erin@example.org"))
    actions.mark_duplicate(duplicate, original, STAFF)
    assert set(Follower.objects.filter(request=original).values_list("email", flat=True)) == {
        "alice@example.org",
        "erin@example.org",
    }


def test_escalating_marks_an_open_request_overdue_once(city, crew):
    _, bob = crew
    request = file_request(city.pothole)
    event = actions.escalate(request, bob, at=timezone.now())
    assert event.kind == "escalated" and not event.public and event.data["supervisor"] == "bob"
    assert actions.escalate(request, bob, at=timezone.now()) is None
    request.refresh_from_db()
    assert request.overdue_since is not None


def test_without_a_team_the_assignee_must_work_for_the_department(city, crew):
    from civic311.accounts.models import StaffProfile

    _, bob = crew
    StaffProfile.objects.create(user=bob, role="staff", department=city.water)
    request = file_request(city.pothole)
    with pytest.raises(RequestRejected, match="does not work for Streets and Sanitation"):
        actions.reroute(request, STAFF, department=city.streets, assignee=bob)
    actions.reroute(request, STAFF, department=city.water, assignee=bob)
    assert request.assignee == bob


def test_a_closed_request_cannot_be_marked_a_duplicate(city):
    original, other = file_request(city.pothole), file_request(city.pothole)
    actions.change_status(other, Status.FIXED, STAFF)
    with pytest.raises(RequestRejected, match="already closed"):
        actions.mark_duplicate(other, original, STAFF)
