"""Who may do what in the console: every capability of accounts.choices.Capability, through the real
console URLs. For each, an actor who may (the change happens, and its event names them) and one who must
be refused (403, or 404 when the request is not theirs to see, and nothing changes).

The actors (tests/console/conftest.py): bob (staff, Streets and Sanitation), carol (supervisor, Streets),
dave (staff, Water Management), agnes (call-centre agent), ada (administrator); here also stan, a staff
account with no department.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from civic311.accounts.choices import CAPABILITIES, Capability, Role
from civic311.routing.models import RoutingRule, Team
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, EventKind, Priority, Status
from civic311.servicerequests.models import Event, ServiceRequest
from tests.console.conftest import PASSWORD, make_staff
from tests.factories import file_request

REPORTER_EMAIL = "alice@example.org"  # file_request's reporter
REPORTER_PHONE = "+13125550100"  # E.164, as intake stores it
ROW = re.compile(r'<tr[^>]*data-number="([^"]+)"')
POST_ACTIONS = ["status", "note", "priority", "reroute", "assign", "duplicate", "refer", "follow"]


@dataclass
class World:
    """What the actions act on: a Streets pothole of the ward 1 crew, an open Streets request to be the
    original of duplicates, a Water request, the two crews and the actors."""

    city: object
    actors: dict
    pothole: ServiceRequest
    original: ServiceRequest
    water_request: ServiceRequest
    crew: Team
    mains: Team


@pytest.fixture
def world(city, actors) -> World:
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
    actors["stan"] = make_staff("stan", Role.STAFF)  # no department
    return World(
        city=city,
        actors=actors,
        pothole=file_request(city.pothole, description="Deep hole by the school"),
        original=file_request(city.streetlight, description="Lamp out"),
        water_request=file_request(city.wellness, description="Neighbour not seen for days"),
        crew=crew,
        mains=mains,
    )


def snapshot(sr: ServiceRequest) -> dict:
    """Everything an action may change, to prove a refused one changed nothing."""
    sr = ServiceRequest.objects.get(pk=sr.pk)
    return {
        "status_code": sr.status_code,
        "status_notes": sr.status_notes,
        "priority": sr.priority,
        "department": sr.department_id,
        "team": sr.team_id,
        "assignee": sr.assignee_id,
        "parent": sr.parent_id,
        "updated": sr.updated_datetime,
        "events": sr.events.count(),
        "followers": sr.followers.count(),
        "all_events": Event.objects.count(),
    }


def sign_in(client: Client, user) -> Client:
    client.logout()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


# --- the table: each POST action, who may, who must be refused and how ----------------------------------


@dataclass(frozen=True)
class Action:
    capability: str
    url: Callable[[World], str]
    data: Callable[[World], dict]
    event_kind: str
    done: Callable[[ServiceRequest, World], bool]  # the change the action makes, on the request
    allowed: tuple[str, ...]
    refused: dict[str, int]  # actor -> the status code they get


def _on(suffix: str) -> Callable[[World], str]:
    return lambda w: f"/staff/requests/{w.pothole.service_request_id}/{suffix}/"


ACTIONS = [
    Action(
        Capability.CHANGE_STATUS,
        _on("status"),
        lambda w: {"status": Status.IN_PROGRESS, "note": "Crew on the way"},
        EventKind.STATUS_CHANGED,
        lambda sr, w: sr.status_code == Status.IN_PROGRESS and sr.status_notes == "Crew on the way",
        allowed=("bob", "carol", "ada"),
        refused={"agnes": 403, "dave": 404, "stan": 404},
    ),
    Action(
        Capability.ADD_PUBLIC_NOTE,
        _on("note"),
        lambda w: {"note": "We have it on the list", "public": "on"},
        EventKind.NOTE,
        lambda sr, w: sr.events.filter(kind=EventKind.NOTE, public=True).exists(),
        # Every role may add a public note; only scope refuses it.
        allowed=("bob", "carol", "agnes", "ada"),
        refused={"dave": 404, "stan": 404},
    ),
    Action(
        Capability.ADD_INTERNAL_NOTE,
        _on("note"),
        lambda w: {"note": "Needs the big truck"},
        EventKind.NOTE,
        lambda sr, w: sr.events.filter(kind=EventKind.NOTE, public=False).exists(),
        allowed=("bob", "carol", "ada"),
        refused={"agnes": 403, "dave": 404},
    ),
    Action(
        Capability.SET_PRIORITY,
        _on("priority"),
        lambda w: {"priority": Priority.URGENT},
        EventKind.PRIORITY_CHANGED,
        lambda sr, w: sr.priority == Priority.URGENT,
        allowed=("bob", "carol", "ada"),
        refused={"agnes": 403, "dave": 404},
    ),
    Action(
        Capability.REASSIGN,
        _on("reroute"),
        lambda w: {"department": w.city.water.pk, "team": w.mains.pk, "assignee": "", "note": "A water main"},
        EventKind.ROUTED,
        lambda sr, w: sr.department_id == w.city.water.pk and sr.team_id == w.mains.pk,
        allowed=("carol", "ada"),
        refused={"bob": 403, "agnes": 403, "dave": 404},
    ),
    Action(
        Capability.ASSIGN_IN_TEAM,
        _on("assign"),
        lambda w: {"assignee": w.actors["bob"].pk},
        EventKind.ASSIGNED,
        lambda sr, w: sr.assignee_id == w.actors["bob"].pk,
        allowed=("bob", "carol", "ada"),
        refused={"agnes": 403, "dave": 404},
    ),
    Action(
        Capability.MARK_DUPLICATE,
        _on("duplicate"),
        lambda w: {"parent": w.original.service_request_id},
        EventKind.MARKED_DUPLICATE,
        lambda sr, w: sr.parent_id == w.original.pk and sr.status_code == Status.DUPLICATE,
        allowed=("bob", "carol", "ada"),
        refused={"agnes": 403, "dave": 404},
    ),
    Action(
        Capability.REFER,
        _on("refer"),
        lambda w: {"to": "ComEd"},
        EventKind.STATUS_CHANGED,
        lambda sr, w: sr.status_code == Status.REFERRED,
        allowed=("bob", "carol", "ada"),
        refused={"agnes": 403, "dave": 404},
    ),
    Action(
        Capability.ADD_FOLLOWER,
        _on("follow"),
        lambda w: {"name": "A caller", "phone": "+1 312 555 0199", "email": ""},
        EventKind.FOLLOWER_ADDED,
        lambda sr, w: sr.followers.filter(phone="+13125550199").exists(),
        allowed=("agnes", "carol", "ada"),
        refused={"bob": 403, "dave": 404},
    ),
    Action(
        Capability.BULK,
        lambda w: "/staff/bulk/",
        lambda w: {"ids": [w.pothole.service_request_id], "action": "status", "status": Status.SCHEDULED},
        EventKind.STATUS_CHANGED,
        lambda sr, w: sr.status_code == Status.SCHEDULED,
        allowed=("carol", "ada"),
        # The capability is checked before the requests are looked at: 403 whatever the scope.
        refused={"bob": 403, "agnes": 403, "dave": 403},
    ),
]
# Capabilities with tests of their own below: what the console shows, and the call intake.
SHOWN = {
    Capability.VIEW_ALL_DEPARTMENTS: "test_view_all_departments",
    Capability.VIEW_DEPARTMENT: "test_view_department",
    Capability.VIEW_TRIAGE: "test_view_triage",
    Capability.SEE_CONTACT: "test_see_contact",
    Capability.SEE_INTERNAL_NOTES: "test_see_internal_notes",
    Capability.FILE_FOR_CALLER: "test_file_for_caller",
    Capability.VIEW_ANALYTICS: "test_view_analytics",
}


def _cases():
    for action in ACTIONS:
        for name in action.allowed:
            yield pytest.param(action, name, True, id=f"{action.capability}-{name}-allowed")
        for name in action.refused:
            yield pytest.param(action, name, False, id=f"{action.capability}-{name}-refused")


def test_every_capability_has_a_test():
    tested = {a.capability for a in ACTIONS} | set(SHOWN)
    assert tested == set(Capability.values)
    assert all(callable(globals()[name]) for name in SHOWN.values())


def test_the_table_agrees_with_the_roles():
    """Who the table allows holds the capability, who it refuses with 403 does not (a 404 is scope)."""
    roles = {"bob": Role.STAFF, "carol": Role.SUPERVISOR, "dave": Role.STAFF, "agnes": Role.AGENT}
    roles |= {"ada": Role.ADMIN, "stan": Role.STAFF}
    for action in ACTIONS:
        assert all(action.capability in CAPABILITIES[roles[name]] for name in action.allowed)
        assert all(
            action.capability not in CAPABILITIES[roles[name]]
            for name, code in action.refused.items()
            if code == 403
        )


@pytest.mark.parametrize(("action", "name", "allowed"), list(_cases()))
def test_each_action(client, world, action, name, allowed):
    user = world.actors[name]
    sr = world.pothole
    before = snapshot(sr)
    response = sign_in(client, user).post(action.url(world), action.data(world))
    sr.refresh_from_db()
    if allowed:
        assert response.status_code == 302, response.content[:500]
        assert action.done(sr, world)
        event = sr.events.filter(kind=action.event_kind).latest("created_at", "pk")
        assert event.actor == user and event.channel == Channel.STAFF
        assert snapshot(sr)["events"] > before["events"]
    else:
        assert response.status_code == action.refused[name]
        assert not action.done(sr, world)
        assert snapshot(sr) == before


# --- what the console shows -------------------------------------------------------------------------


def page(client, user, sr: ServiceRequest, suffix: str = ""):
    return sign_in(client, user).get(f"/staff/requests/{sr.service_request_id}/{suffix}")


def queue_html(client, user, query: str = "state=all") -> str:
    return sign_in(client, user).get(f"/staff/?{query}").content.decode()


def queue_numbers(client, user, query: str = "state=all") -> set[str]:
    """The numbers of the queue's rows."""
    return set(ROW.findall(queue_html(client, user, query)))


def map_numbers(client, user) -> set[str]:
    data = sign_in(client, user).get("/staff/queue.geojson?state=all").json()
    return {f["properties"]["id"] for f in data["features"]}


def test_view_department(client, world):
    """Staff see their department's requests: on the page, in the queue, on the map; not another's."""
    bob, streets, water = world.actors["bob"], world.pothole.service_request_id, world.water_request
    assert page(client, bob, world.pothole).status_code == 200
    assert streets in queue_numbers(client, bob)
    assert map_numbers(client, bob) == {streets, world.original.service_request_id}
    assert page(client, bob, water).status_code == 404
    assert water.service_request_id not in queue_numbers(client, bob)


def test_view_all_departments(client, world):
    """An agent answers callers about any request, of any department."""
    agnes = world.actors["agnes"]
    for sr in (world.pothole, world.water_request):
        assert page(client, agnes, sr).status_code == 200
        assert sr.service_request_id in queue_numbers(client, agnes)
    assert map_numbers(client, agnes) == {
        sr.service_request_id for sr in (world.pothole, world.original, world.water_request)
    }


def test_view_triage(client, city, actors):
    """A request no rule routed (no department) is for supervisors and administrators to sort."""
    RoutingRule.objects.all().delete()
    triage = file_request(city.pothole, description="Where does this go?")
    assert triage.department_id is None
    for name in ("carol", "ada"):
        assert page(client, actors[name], triage).status_code == 200
        assert triage.service_request_id in queue_numbers(client, actors[name])
        assert triage.service_request_id in map_numbers(client, actors[name])
    for name in ("bob", "dave"):
        assert page(client, actors[name], triage).status_code == 404
        assert triage.service_request_id not in queue_numbers(client, actors[name])
        assert triage.service_request_id not in map_numbers(client, actors[name])
    # Carol may act on it too: send it to her department.
    response = sign_in(client, actors["carol"]).post(
        f"/staff/requests/{triage.service_request_id}/reroute/", {"department": city.streets.pk}
    )
    assert response.status_code == 302
    triage.refresh_from_db()
    assert triage.department == city.streets


def test_see_contact(client, world):
    """Reporters' contact details are for those who call back (agents, supervisors), not for staff."""
    for name in ("carol", "agnes", "ada"):
        body = page(client, world.actors[name], world.pothole).content.decode()
        assert REPORTER_EMAIL in body and REPORTER_PHONE in body, name
    body = page(client, world.actors["bob"], world.pothole).content.decode()
    assert REPORTER_EMAIL not in body and REPORTER_PHONE not in body
    assert "Alice" not in body  # nor the reporter's name


def test_see_internal_notes(client, world):
    bob = world.actors["bob"]
    actions.add_note(
        world.pothole, "Caller is the alderman's cousin", actions.Actor("staff", bob), public=False
    )
    for suffix in ("", "?part=timeline"):
        assert "alderman" in page(client, bob, world.pothole, suffix).content.decode()
        assert "alderman" in page(client, world.actors["carol"], world.pothole, suffix).content.decode()
        assert "alderman" not in page(client, world.actors["agnes"], world.pothole, suffix).content.decode()


def test_file_for_caller(client, world):
    """Filing for a caller (the call-centre intake, views/intake.py) is the agents' and administrators'."""
    caller = {
        "address": "200 W Main St",
        "service": "PHF",
        "attribute[WHERE]": "LANE",
        "description": "Caller says: hole by the bus stop",
        "first_name": "Carl",
        "phone": "312-555-0177",
    }
    for name in ("agnes", "ada"):
        assert 'href="/staff/intake/"' in queue_html(client, world.actors[name])
        assert client.get("/staff/intake/").status_code == 200
        assert client.post("/staff/intake/file/", caller).status_code == 200
        filed = ServiceRequest.objects.filter(description=caller["description"]).latest("pk")
        created = filed.events.get(kind=EventKind.CREATED)
        assert created.actor == world.actors[name] and created.channel == Channel.PHONE
    count, events = ServiceRequest.objects.count(), Event.objects.count()
    for name in ("bob", "carol", "dave"):
        assert 'href="/staff/intake/"' not in queue_html(client, world.actors[name])
        assert client.get("/staff/intake/").status_code == 403
        assert client.post("/staff/intake/file/", caller).status_code == 403
    assert (ServiceRequest.objects.count(), Event.objects.count()) == (count, events)


# --- scope ------------------------------------------------------------------------------------------


def test_dave_is_refused_streets_requests_everywhere(client, world):
    dave = world.actors["dave"]
    sign_in(client, dave)
    number = world.pothole.service_request_id
    before = snapshot(world.pothole)
    assert client.get(f"/staff/requests/{number}/").status_code == 404
    assert client.get(f"/staff/requests/{number}/?part=timeline").status_code == 404
    for suffix in POST_ACTIONS:
        data = {"status": "fixed", "note": "x", "priority": 3, "parent": world.original.service_request_id}
        assert client.post(f"/staff/requests/{number}/{suffix}/", data).status_code == 404, suffix
    assert queue_numbers(client, dave) == {world.water_request.service_request_id}
    assert map_numbers(client, dave) == {world.water_request.service_request_id}
    # Not by its number either, nor by another department's filter or the triage switch.
    for query in (f"q={number}", f"department={world.city.streets.pk}&state=all", "triage=1&state=all"):
        assert queue_numbers(client, dave, query) == set(), query
    assert snapshot(world.pothole) == before


def test_an_agent_sees_any_request_and_adds_a_follower_but_does_not_work_it(client, world):
    agnes = world.actors["agnes"]
    sign_in(client, agnes)
    water = world.water_request
    assert client.get(f"/staff/requests/{water.service_request_id}/").status_code == 200
    follow = client.post(
        f"/staff/requests/{water.service_request_id}/follow/", {"name": "Neighbour", "email": "n@example.org"}
    )
    assert follow.status_code == 302
    assert water.followers.filter(email="n@example.org").exists()
    before = snapshot(water)
    status = client.post(f"/staff/requests/{water.service_request_id}/status/", {"status": Status.FIXED})
    assert status.status_code == 403
    assert snapshot(water) == before
    # Nor does her page offer it.
    body = client.get(f"/staff/requests/{water.service_request_id}/").content.decode()
    assert "/status/" not in body and "/follow/" in body


def test_a_staff_account_without_a_department_sees_nothing(client, world):
    stan = world.actors["stan"]
    assert "Nothing here." in queue_html(client, stan)
    assert queue_numbers(client, stan) == set()
    for sr in (world.pothole, world.original, world.water_request):
        assert page(client, stan, sr).status_code == 404
    assert map_numbers(client, stan) == set()


def test_an_inactive_user_is_refused(client, world):
    bob = world.actors["bob"]
    sign_in(client, bob)
    bob.is_active = False
    bob.save()
    before = snapshot(world.pothole)
    number = world.pothole.service_request_id
    # The session no longer stands for a user: back to the sign-in page, nothing done.
    for response in (
        client.get("/staff/"),
        client.get(f"/staff/requests/{number}/"),
        client.post(f"/staff/requests/{number}/status/", {"status": Status.FIXED}),
    ):
        assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
    assert snapshot(world.pothole) == before
    # And the password no longer signs in.
    client.logout()
    response = client.post("/staff/login/", {"username": "bob", "password": PASSWORD})
    assert response.status_code == 200 and client.get("/staff/").status_code == 302


def test_a_user_without_staff_profile_is_refused_every_action(client, world):
    mallory = get_user_model().objects.create_user("mallory", password="x")
    sign_in(client, mallory)
    before = snapshot(world.pothole)
    number = world.pothole.service_request_id
    assert client.get(f"/staff/requests/{number}/").status_code == 403
    assert client.get("/staff/queue.geojson").status_code == 403
    assert client.post(f"/staff/requests/{number}/status/", {"status": Status.FIXED}).status_code == 403
    assert (
        client.post("/staff/bulk/", {"ids": [number], "action": "status", "status": "fixed"}).status_code
        == 403
    )
    assert snapshot(world.pothole) == before


@pytest.mark.parametrize("suffix", POST_ACTIONS)
def test_get_on_an_action_is_405(client, world, suffix):
    sign_in(client, world.actors["ada"])
    before = snapshot(world.pothole)
    assert client.get(f"/staff/requests/{world.pothole.service_request_id}/{suffix}/").status_code == 405
    assert snapshot(world.pothole) == before


def test_get_on_bulk_is_405(client, world):
    assert sign_in(client, world.actors["carol"]).get("/staff/bulk/").status_code == 405


def test_csrf_is_enforced(world):
    client = sign_in(Client(enforce_csrf_checks=True), world.actors["bob"])
    url = f"/staff/requests/{world.pothole.service_request_id}/status/"
    before = snapshot(world.pothole)
    assert client.post(url, {"status": Status.FIXED}).status_code == 403
    assert snapshot(world.pothole) == before
    # With the token of the page, the same post goes through: it was the token that was missing.
    client.get(f"/staff/requests/{world.pothole.service_request_id}/")
    token = client.cookies["csrftoken"].value
    assert client.post(url, {"status": Status.FIXED, "csrfmiddlewaretoken": token}).status_code == 302
    world.pothole.refresh_from_db()
    assert world.pothole.status_code == Status.FIXED


def test_view_analytics(client, world):
    """The staff analytics (views/analytics.py) are the supervisors' and administrators': the link in the
    console's menu and the pages, figures and CSV alike."""
    for name in ("carol", "ada"):
        assert 'href="/staff/analytics/"' in queue_html(client, world.actors[name])
        assert client.get("/staff/analytics/").status_code == 200
        assert client.get("/staff/analytics/", {"table": "services", "format": "csv"}).status_code == 200
    for name in ("bob", "dave", "agnes"):
        assert 'href="/staff/analytics/"' not in queue_html(client, world.actors[name])
        assert client.get("/staff/analytics/").status_code == 403
        assert client.get("/staff/analytics/", {"table": "services", "format": "csv"}).status_code == 403
