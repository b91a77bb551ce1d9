"""Each action of the request page, end to end through its view: good input does it (and the public API
shows what is public of it), bad input is a message on the page and changes nothing."""

import json
import re

import pytest

from civic311.console.models import ResponseTemplate
from civic311.routing.models import RoutingRule, Team
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, EventKind, FollowerReason, Priority, Status
from civic311.servicerequests.intake import Contact
from civic311.servicerequests.models import Event, ServiceRequest
from tests.factories import file_request

TEMPLATE_TEXT = "Our crew filled the pothole today. Thank you for reporting it."


@pytest.fixture
def crews(city, actors):
    """The ward 1 crew of Streets (bob, carol), which potholes go to, and Water's mains crew (dave)."""
    crew = Team.objects.create(department=city.streets, code="ward-1", name="Ward 1 crew")
    crew.members.add(actors["bob"], actors["carol"])
    mains = Team.objects.create(department=city.water, code="mains", name="Mains crew")
    mains.members.add(actors["dave"])
    rule = RoutingRule.objects.create(
        jurisdiction=city.jurisdiction,
        name="Potholes to the crew",
        order=10,
        department=city.streets,
        team=crew,
    )
    rule.services.add(city.pothole)
    return crew, mains


@pytest.fixture
def pothole(city, crews):
    return file_request(city.pothole, description="Deep hole by the school")


def snapshot(sr: ServiceRequest) -> dict:
    sr = ServiceRequest.objects.get(pk=sr.pk)
    fields = (
        "status_code",
        "status_notes",
        "priority",
        "department_id",
        "team_id",
        "assignee_id",
        "parent_id",
    )
    return {
        **{name: getattr(sr, name) for name in fields},
        "updated": sr.updated_datetime,
        "events": Event.objects.count(),
        "followers": sr.followers.count(),
    }


def act(client, sr: ServiceRequest, suffix: str, data: dict) -> list[str]:
    """Post an action, follow the redirect back to the request's page; the messages it shows."""
    response = client.post(f"/staff/requests/{sr.service_request_id}/{suffix}/", data, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(f"/staff/requests/{sr.service_request_id}/", 302)]
    return [str(m) for m in response.context["messages"]]


def public_api(client, sr: ServiceRequest) -> dict:
    response = client.get(f"/open311/v2/requests/{sr.service_request_id}.json?extensions=true")
    assert response.status_code == 200, response.content
    (item,) = response.json()
    return item


def refused(client, sr: ServiceRequest, suffix: str, data: dict, message: str) -> None:
    """The action is refused with `message` and changes nothing."""
    before = snapshot(sr)
    shown = act(client, sr, suffix, data)
    assert message in shown, shown
    assert snapshot(sr) == before


# --- status -----------------------------------------------------------------------------------------


def test_a_status_change_with_a_response_templates_text(signed_in, client, city, actors, pothole):
    ResponseTemplate.objects.create(
        jurisdiction=city.jurisdiction,
        service=city.pothole,
        status=Status.FIXED,
        title="Filled",
        text=TEMPLATE_TEXT,
    )
    bob = signed_in("bob")
    page = bob.get(f"/staff/requests/{pothole.service_request_id}/").content.decode()
    assert f'<option value="{TEMPLATE_TEXT}" data-status="fixed">Filled</option>' in page
    shown = act(bob, pothole, "status", {"status": Status.FIXED, "note": TEMPLATE_TEXT})
    assert shown == ["Status changed to Fixed."]
    pothole.refresh_from_db()
    assert pothole.status_code == Status.FIXED and pothole.status == "closed" and pothole.closed_datetime
    event = pothole.events.get(kind=EventKind.STATUS_CHANGED)
    assert event.actor == actors["bob"] and event.note == TEMPLATE_TEXT
    assert event.public and event.data == {"from": Status.NEW, "to": Status.FIXED}
    client.logout()
    api = public_api(client, pothole)
    assert api["status"] == "closed" and api["status_notes"] == TEMPLATE_TEXT
    assert api["extended_attributes"]["status_code"] == "fixed"
    assert api["notes"][-1]["description"] == TEMPLATE_TEXT and api["notes"][-1]["type"] == "closed"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "bogus"}, "status: Select a valid choice. bogus is not one of the available choices."),
        ({}, "status: This field is required."),
        (
            {"status": Status.FIXED, "note": "x" * 4001},
            "note: Ensure this value has at most 4000 characters (it has 4001).",
        ),
        (
            {"status": Status.DUPLICATE},
            "status: a request is closed as a duplicate by naming its original (mark it as a duplicate), "
            "not by its status alone",
        ),
        (
            {"status": Status.REFERRED},
            "status: a request is closed as referred by saying whom it went to (refer it), "
            "not by its status alone",
        ),
    ],
)
def test_a_bad_status_change_is_refused_with_guidance(signed_in, pothole, data, message):
    refused(signed_in("bob"), pothole, "status", data, message)


# --- duplicates -------------------------------------------------------------------------------------


@pytest.fixture
def parent(city, crews):
    """The original: reported first, by someone else."""
    return file_request(
        city.pothole,
        description="Big pothole",
        contact=Contact(email="first@example.org", first_name="First"),
    )


def test_mark_a_duplicate_by_the_parents_number(signed_in, client, actors, pothole, parent):
    actions.add_follower(pothole, actions.Actor(Channel.PHONE), phone="+1 312 555 0142", name="Neighbour")
    carol = signed_in("carol")
    shown = act(carol, pothole, "duplicate", {"parent": parent.service_request_id.lower(), "note": ""})
    assert shown == [f"Closed as a duplicate of {parent.service_request_id}."]
    pothole.refresh_from_db()
    assert pothole.status_code == Status.DUPLICATE and pothole.status == "closed" and pothole.parent == parent
    event = pothole.events.get(kind=EventKind.MARKED_DUPLICATE)
    assert event.actor == actors["carol"] and event.note == f"Duplicate of {parent.service_request_id}"
    added = parent.events.get(kind=EventKind.DUPLICATE_ADDED)
    assert added.actor == actors["carol"] and added.data == {"duplicate": pothole.service_request_id}
    # Whoever followed the duplicate now hears about the original.
    moved = parent.followers.filter(reason=FollowerReason.DUPLICATE)
    assert {(f.email, f.phone) for f in moved} == {
        ("alice@example.org", "+13125550100"),  # E.164, as intake stores them
        ("", "+13125550142"),
    }
    assert parent.followers.filter(email="first@example.org", reason=FollowerReason.REPORTER).exists()
    client.logout()
    child = public_api(client, pothole)
    assert child["status"] == "closed"
    assert child["extended_attributes"]["duplicate"] is True
    assert child["extended_attributes"]["parent_service_request_id"] == parent.service_request_id
    assert public_api(client, parent)["extended_attributes"]["duplicates"] == [pothole.service_request_id]
    # The page says so both ways.
    page = signed_in("carol").get(f"/staff/requests/{pothole.service_request_id}/").content.decode()
    assert f'Duplicate of <a href="/staff/requests/{parent.service_request_id}/">' in page


def test_the_parents_number_as_keypad_digits(signed_in, pothole, parent):
    digits = re.sub(r"\D", "", parent.service_request_id)
    act(signed_in("bob"), pothole, "duplicate", {"parent": digits})
    pothole.refresh_from_db()
    assert pothole.parent == parent


def test_a_duplicate_of_a_duplicate_points_at_the_original(signed_in, city, pothole, parent):
    third = file_request(city.pothole, description="Same hole again")
    bob = signed_in("bob")
    act(bob, pothole, "duplicate", {"parent": parent.service_request_id})
    act(bob, third, "duplicate", {"parent": pothole.service_request_id})
    third.refresh_from_db()
    assert third.parent == parent
    # And the original cannot become a duplicate of its own duplicate.
    refused(
        bob,
        parent,
        "duplicate",
        {"parent": third.service_request_id},
        f"parent: {third.service_request_id} is already a duplicate of {parent.service_request_id}",
    )


@pytest.mark.parametrize(
    ("parent_number", "message"),
    [
        ("SR99-999999-9", "parent: no request SR99-999999-9 that you can see"),
        ("", "parent: This field is required."),
        ("self", "parent: a request cannot duplicate itself"),
        ("water", "that you can see"),  # Water Management's: not bob's to see
    ],
)
def test_a_bad_parent_is_refused(signed_in, city, pothole, parent_number, message):
    if parent_number == "self":
        parent_number = pothole.service_request_id
    elif parent_number == "water":
        parent_number = file_request(city.wellness).service_request_id
    bob = signed_in("bob")
    before = snapshot(pothole)
    shown = act(bob, pothole, "duplicate", {"parent": parent_number})
    assert any(message in m for m in shown), shown
    assert snapshot(pothole) == before


# --- referral ---------------------------------------------------------------------------------------


def test_refer_to_an_outside_body_by_its_name(signed_in, client, actors, pothole):
    shown = act(signed_in("bob"), pothole, "refer", {"to": "ComEd (Commonwealth Edison)", "note": ""})
    assert shown == ["Referred to ComEd (Commonwealth Edison)."]
    pothole.refresh_from_db()
    assert pothole.status_code == Status.REFERRED and pothole.status == "closed"
    assert pothole.status_notes == "Referred to ComEd (Commonwealth Edison)"
    event = pothole.events.get(kind=EventKind.STATUS_CHANGED)
    assert event.actor == actors["bob"] and event.data["referred_to"] == "ComEd (Commonwealth Edison)"
    client.logout()
    api = public_api(client, pothole)
    assert api["extended_attributes"]["status_code"] == "referred"
    assert api["status_notes"] == "Referred to ComEd (Commonwealth Edison)"


@pytest.mark.parametrize(
    ("data", "message"),
    [({"to": ""}, "to: This field is required."), ({"to": "   "}, "to: This field is required.")],
)
def test_a_referral_needs_whom_to(signed_in, pothole, data, message):
    refused(signed_in("bob"), pothole, "refer", data, message)


# --- reroute and assign ------------------------------------------------------------------------------


def test_reroute_to_another_departments_team(signed_in, client, city, actors, crews, pothole):
    _, mains = crews
    data = {"department": city.water.pk, "team": mains.pk, "assignee": actors["dave"].pk, "note": "A main"}
    carol = signed_in("carol")
    response = carol.post(f"/staff/requests/{pothole.service_request_id}/reroute/", data, follow=True)
    # Out of carol's department now: back to her queue, not to a page she may no longer see.
    assert response.redirect_chain == [("/staff/", 302)]
    shown = [str(m) for m in response.context["messages"]]
    assert shown == [f"{pothole.service_request_id} sent on to Water Management."]
    pothole.refresh_from_db()
    assert (pothole.department, pothole.team, pothole.assignee) == (city.water, mains, actors["dave"])
    event = pothole.events.filter(kind=EventKind.ROUTED).latest("pk")
    # The public step says where it went; why is on an internal note beside it.
    assert event.actor == actors["carol"] and event.public and event.note == ""
    why = pothole.events.filter(kind=EventKind.NOTE).latest("pk")
    assert (why.note, why.public, why.data) == ("A main", False, {"reroute": event.pk})
    assert event.data["by_hand"] is True and event.data["department_name"] == "Water Management"
    client.logout()
    assert public_api(client, pothole)["agency_responsible"] == "Water Management"
    # Now it is dave's to see, and no longer bob's.
    assert signed_in("dave").get(f"/staff/requests/{pothole.service_request_id}/").status_code == 200
    assert signed_in("bob").get(f"/staff/requests/{pothole.service_request_id}/").status_code == 404


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("team of another department", "team: Mains crew is not a team of that department"),
        ("team without department", "team: Mains crew is not a team of that department"),
        ("no such department", "department: Select a valid choice."),
        ("no such person", "assignee: Select a valid choice."),
        ("person not in the team", "assignee: dave is not in Ward 1 crew"),
    ],
)
def test_a_bad_reroute_is_refused(signed_in, city, actors, crews, pothole, case, message):
    crew, mains = crews
    data = {
        "team of another department": {"department": city.streets.pk, "team": mains.pk},
        "team without department": {"department": "", "team": mains.pk},
        "no such department": {"department": 999_999},
        "no such person": {"department": city.streets.pk, "assignee": 999_999},
        "person not in the team": {
            "department": city.streets.pk,
            "team": crew.pk,
            "assignee": actors["dave"].pk,
        },
    }[case]
    carol = signed_in("carol")
    before = snapshot(pothole)
    shown = act(carol, pothole, "reroute", data)
    assert any(m.startswith(message) for m in shown), shown
    assert snapshot(pothole) == before


def test_reroute_within_the_department_stays_on_the_page(signed_in, city, actors, crews, pothole):
    assert act(signed_in("carol"), pothole, "reroute", {"department": city.streets.pk}) == [
        "Request sent on."
    ]
    pothole.refresh_from_db()
    assert (pothole.department, pothole.team) == (city.streets, None)
    event = pothole.events.filter(kind=EventKind.ROUTED).latest("pk")
    assert event.actor == actors["carol"] and not event.public  # the resident sees no change


def test_assign_within_the_team(signed_in, actors, pothole):
    bob = signed_in("bob")
    assert act(bob, pothole, "assign", {"assignee": actors["carol"].pk}) == ["Assignment changed."]
    pothole.refresh_from_db()
    assert pothole.assignee == actors["carol"]
    event = pothole.events.filter(kind=EventKind.ASSIGNED).latest("pk")
    assert event.actor == actors["bob"] and not event.public and event.data["assignee"] == "carol"
    # And back to nobody.
    act(bob, pothole, "assign", {"assignee": ""})
    pothole.refresh_from_db()
    assert pothole.assignee is None


def test_assigning_outside_the_team_is_refused(signed_in, actors, pothole):
    refused(
        signed_in("bob"),
        pothole,
        "assign",
        {"assignee": actors["dave"].pk},
        "assignee: Select a valid choice. That choice is not one of the available choices.",
    )


# --- priority ---------------------------------------------------------------------------------------


def test_set_the_priority(signed_in, actors, pothole):
    assert act(signed_in("bob"), pothole, "priority", {"priority": Priority.HIGH}) == ["Priority changed."]
    pothole.refresh_from_db()
    assert pothole.priority == Priority.HIGH
    event = pothole.events.get(kind=EventKind.PRIORITY_CHANGED)
    assert event.actor == actors["bob"] and not event.public
    assert event.data == {"from": Priority.NORMAL, "to": Priority.HIGH}


@pytest.mark.parametrize("value", ["9", "urgent", "", "-1"])
def test_a_bad_priority_is_refused(signed_in, pothole, value):
    before = snapshot(pothole)
    shown = act(signed_in("bob"), pothole, "priority", {"priority": value})
    assert len(shown) == 1 and shown[0].startswith("priority: "), shown
    assert snapshot(pothole) == before


# --- notes ------------------------------------------------------------------------------------------


def test_a_public_note_is_public_and_an_internal_one_never(signed_in, client, actors, pothole):
    bob = signed_in("bob")
    assert act(bob, pothole, "note", {"note": "Crew scheduled for Tuesday", "public": "on"}) == [
        "Public note added."
    ]
    assert act(bob, pothole, "note", {"note": "Caller sounded like the alderman"}) == ["Internal note added."]
    public, internal = pothole.events.filter(kind=EventKind.NOTE).order_by("pk")
    assert public.public and public.actor == actors["bob"]
    assert not internal.public and internal.actor == actors["bob"]
    client.logout()
    api = public_api(client, pothole)
    assert api["status_notes"] == "Crew scheduled for Tuesday"
    assert "Crew scheduled for Tuesday" in [n["description"] for n in api["notes"]]
    # The internal note is nowhere in the public API: not the request, the list, nor the updates.
    for url in (
        f"/open311/v2/requests/{pothole.service_request_id}.json?extensions=true",
        f"/open311/v2/requests/{pothole.service_request_id}.xml?extensions=true",
        "/open311/v2/requests.json?extensions=true",
        f"/open311/v2/servicerequestupdates.json?service_request_id={pothole.service_request_id}",
    ):
        response = client.get(url)
        assert response.status_code in (200, 400), url
        assert "alderman" not in response.content.decode(), url
    assert "alderman" not in json.dumps(api)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"note": "", "public": "on"}, "note: This field is required."),
        ({"note": "  \n "}, "note: This field is required."),
        ({"note": "y" * 4001}, "note: Ensure this value has at most 4000 characters (it has 4001)."),
    ],
)
def test_a_bad_note_is_refused(signed_in, pothole, data, message):
    refused(signed_in("bob"), pothole, "note", data, message)


# --- followers --------------------------------------------------------------------------------------


def test_an_agent_adds_the_caller_as_follower(signed_in, actors, pothole):
    shown = act(signed_in("agnes"), pothole, "follow", {"name": "Caller", "email": "caller@example.org"})
    assert shown == ["The caller will get updates of this request."]
    follower = pothole.followers.get(email="caller@example.org")
    assert follower.reason == FollowerReason.CALLER and follower.active
    event = pothole.events.get(kind=EventKind.FOLLOWER_ADDED)
    assert event.actor == actors["agnes"] and not event.public


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Caller"}, "email: give an email or a phone number to send the updates to"),
        ({"email": "not-an-email"}, "email: Enter a valid email address."),
        ({"phone": "call me maybe"}, "phone: 'call me maybe' is not a phone number"),
    ],
)
def test_a_follower_needs_a_way_to_reach_them(signed_in, pothole, data, message):
    refused(signed_in("agnes"), pothole, "follow", data, message)


# --- the page ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["bob", "carol", "agnes", "ada"])
def test_each_field_of_the_page_has_an_id_of_its_own(signed_in, pothole, name):
    """Its forms share field names (note, assignee); a shared id would tie a label to another form's field."""
    page = signed_in(name).get(f"/staff/requests/{pothole.service_request_id}/").content.decode()
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for target in re.findall(r'<label for="([^"]+)"', page):
        assert target in ids, target


def test_the_page_shows_a_photo_given_by_its_url(signed_in, city, crews):
    sr = file_request(city.pothole, media_urls=["https://photos.example.org/hole.jpg"])
    response = signed_in("bob").get(f"/staff/requests/{sr.service_request_id}/")
    assert response.status_code == 200
    assert '<a href="https://photos.example.org/hole.jpg"><img src="https://photos.example.org/hole.jpg"' in (
        response.content.decode()
    )


# --- numbers in the address ----------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["SR00-000000-0", "%00", "x" * 300])
def test_an_unknown_number_is_404(signed_in, pothole, number):
    bob = signed_in("bob")
    assert bob.get(f"/staff/requests/{number}/").status_code == 404
    assert bob.post(f"/staff/requests/{number}/status/", {"status": Status.FIXED}).status_code == 404
