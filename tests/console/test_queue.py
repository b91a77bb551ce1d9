"""The staff queue: its filters, sort orders, pages and counts, bad filter values, the htmx partial."""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from civic311.routing.models import RoutingRule, Team
from civic311.servicerequests import actions
from civic311.servicerequests.choices import OPEN, Channel, Priority, Status
from civic311.servicerequests.models import ServiceRequest
from tests.factories import INSIDE_WARD_2, file_request

ROW = re.compile(r'<tr[^>]*data-number="([^"]+)"')
PAGE_SIZE = 50


@dataclass
class Streets:
    """Bob's department's requests, each different in one way the filters look at."""

    old_pothole: ServiceRequest  # 10 days old, past its 7-day SLA: overdue; ward 1, the crew's, web
    new_pothole: ServiceRequest  # an hour old, ward 2, by phone, urgent, assigned to bob
    light: ServiceRequest  # 2 days old, by text message, no team
    bins: ServiceRequest  # 3 days old, fixed (closed)
    graffiti: ServiceRequest  # 5 hours old, in progress, no SLA (no due time)
    water: ServiceRequest  # Water Management's: never in bob's queue


@pytest.fixture
def crew(city, actors):
    crew = Team.objects.create(department=city.streets, code="ward-1", name="Ward 1 crew")
    crew.members.add(actors["bob"], actors["carol"])
    rule = RoutingRule.objects.create(
        jurisdiction=city.jurisdiction,
        name="Potholes to the crew",
        order=10,
        department=city.streets,
        team=crew,
    )
    rule.services.add(city.pothole)
    return crew


@pytest.fixture
def streets(city, actors, crew) -> Streets:
    now = timezone.now()
    bob = actions.Actor(Channel.STAFF, actors["bob"])
    old_pothole = file_request(
        city.pothole, description="Deep hole near the school", at=now - timedelta(days=10)
    )
    new_pothole = file_request(
        city.pothole,
        lat=INSIDE_WARD_2[0],
        long=INSIDE_WARD_2[1],
        description="Small crack",
        channel=Channel.PHONE,
        at=now - timedelta(hours=1),
    )
    actions.set_priority(new_pothole, bob, Priority.URGENT)
    actions.assign(new_pothole, bob, actors["bob"])
    light = file_request(
        city.streetlight, description="Lamp flickers", channel=Channel.SMS, at=now - timedelta(days=2)
    )
    bins = file_request(city.garbage, description="Bins missed on Elm", at=now - timedelta(days=3))
    actions.change_status(bins, Status.FIXED, bob)
    graffiti = file_request(city.graffiti, description="Tag on the wall", at=now - timedelta(hours=5))
    actions.change_status(graffiti, Status.IN_PROGRESS, bob)
    water = file_request(city.wellness, description="Neighbour not seen", at=now - timedelta(days=4))
    return Streets(old_pothole, new_pothole, light, bins, graffiti, water)


def rows(client, query: str = "", **headers) -> list[str]:
    """The numbers of the queue's rows, in order."""
    response = client.get(f"/staff/?{query}", **headers)
    assert response.status_code == 200
    return ROW.findall(response.content.decode())


def numbers(*requests: ServiceRequest) -> set[str]:
    return {r.service_request_id for r in requests}


# --- filters ----------------------------------------------------------------------------------------


FILTERS = [
    ("", ["old_pothole", "new_pothole", "light", "graffiti"]),
    ("state=open", ["old_pothole", "new_pothole", "light", "graffiti"]),
    ("state=closed", ["bins"]),
    ("state=all", ["old_pothole", "new_pothole", "light", "bins", "graffiti"]),
    ("state=new", ["old_pothole", "new_pothole", "light"]),
    ("state=in_progress", ["graffiti"]),
    ("state=fixed", ["bins"]),
    ("state=duplicate", []),
    ("overdue=1", ["old_pothole"]),
    ("channel=phone", ["new_pothole"]),
    ("channel=sms", ["light"]),
    ("priority=3", ["new_pothole"]),
    ("priority=1", ["old_pothole", "light", "graffiti"]),
    ("assignee=me", ["new_pothole"]),
    ("assignee=none", ["old_pothole", "light", "graffiti"]),
    ("q=school", ["old_pothole"]),
    ("q=SCHOOL", ["old_pothole"]),
    ("q=pothole", ["old_pothole", "new_pothole"]),  # the service's name
    ("q=elm&state=all", ["bins"]),
    ("q=nothing+like+it", []),
    ("overdue=1&channel=phone", []),
]
# Each row of the table is one GET of bob's queue (one data set for all: a test each would build it 21 times).


def test_filters(signed_in, streets):
    bob = signed_in("bob")
    wrong = {}
    for query, expected in FILTERS:
        got = set(rows(bob, query))
        want = numbers(*(getattr(streets, name) for name in expected))
        if got != want:
            wrong[query] = (sorted(got), sorted(want))
    assert wrong == {}


def test_filter_by_service_district_and_team(signed_in, city, streets, crew):
    bob = signed_in("bob")
    assert set(rows(bob, f"service={city.pothole.pk}")) == numbers(streets.old_pothole, streets.new_pothole)
    assert set(rows(bob, f"service={city.wellness.pk}")) == set()  # Water's service: none of bob's
    ward_1, ward_2 = city.wards
    assert set(rows(bob, f"district={ward_2.pk}")) == numbers(streets.new_pothole)
    assert set(rows(bob, f"district={ward_1.pk}")) == numbers(
        streets.old_pothole, streets.light, streets.graffiti
    )
    assert set(rows(bob, f"team={crew.pk}")) == numbers(streets.old_pothole, streets.new_pothole)
    assert set(rows(bob, f"team={crew.pk}&district={ward_1.pk}")) == numbers(streets.old_pothole)


def test_filter_by_a_persons_id(signed_in, actors, streets):
    carol = signed_in("carol")
    assert set(rows(carol, f"assignee={actors['bob'].pk}")) == numbers(streets.new_pothole)
    assert set(rows(carol, "assignee=me")) == set()
    assert set(rows(carol, f"assignee={actors['carol'].pk}")) == set()


def test_search_by_the_exact_number(signed_in, streets):
    bob = signed_in("bob")
    number = streets.light.service_request_id
    assert rows(bob, f"q={number}") == [number]
    assert rows(bob, f"q={number.lower()}") == [number]
    # A number is a number, not a fragment: the first digits are in every request of the year.
    assert rows(bob, f"q={number[:-2]}") == []
    # As a caller reads it from a text message or types it on a keypad: the digits alone.
    digits = re.sub(r"\D", "", number)
    assert rows(bob, f"q={digits}") == [number]
    # And never another department's, whatever is typed.
    assert rows(bob, f"q={streets.water.service_request_id}") == []


# --- sort orders ------------------------------------------------------------------------------------


def test_sort_orders(signed_in, streets):
    bob = signed_in("bob")
    s = streets
    by_age = [s.old_pothole, s.light, s.graffiti, s.new_pothole]
    assert rows(bob) == [r.service_request_id for r in by_age]  # oldest first by default
    assert rows(bob, "sort=oldest") == [r.service_request_id for r in by_age]
    assert rows(bob, "sort=newest") == [r.service_request_id for r in reversed(by_age)]
    # Due soonest; graffiti has no due time: last.
    assert rows(bob, "sort=due") == [
        r.service_request_id for r in (s.old_pothole, s.new_pothole, s.light, s.graffiti)
    ]
    # Highest priority first, then the oldest.
    assert rows(bob, "sort=priority") == [
        r.service_request_id for r in (s.new_pothole, s.old_pothole, s.light, s.graffiti)
    ]


def test_recently_updated_first(signed_in, actors, streets):
    bob = signed_in("bob")
    actions.add_note(
        streets.light, "Crew checks tonight", actions.Actor(Channel.STAFF, actors["bob"]), public=True
    )
    order = rows(bob, "sort=updated")
    assert order[0] == streets.light.service_request_id
    expected = ServiceRequest.objects.filter(department=streets.light.department, status=OPEN).order_by(
        "-updated_datetime", "-pk"
    )
    assert order == [r.service_request_id for r in expected]


# --- pages ------------------------------------------------------------------------------------------


def test_pages_of_fifty_with_a_next_link(signed_in, city):
    start = timezone.now() - timedelta(days=30)
    items = [
        actions.ImportedRequest(
            service=city.graffiti,
            service_request_id=f"SR00-{n:06d}",
            requested_datetime=start + timedelta(minutes=n),
            description=f"Tag {n}",
        )
        for n in range(120)
    ]
    created, _ = actions.import_requests(items)
    assert len(created) == 120
    bob = signed_in("bob")
    seen = []
    for page, size in ((1, 50), (2, 50), (3, 20)):
        response = bob.get(f"/staff/?sort=newest&service={city.graffiti.pk}&page={page}")
        body = response.content.decode()
        on_page = ROW.findall(body)
        assert len(on_page) == size
        seen += on_page
        next_link = re.search(r'<a href="\?([^"]*)" rel="next">', body)
        if page < 3:
            # The next page's link keeps the filters and the sort.
            query = next_link.group(1).replace("&amp;", "&")
            assert (
                f"page={page + 1}" in query
                and "sort=newest" in query
                and f"service={city.graffiti.pk}" in query
            )
        else:
            assert next_link is None
        assert ('rel="prev"' in body) == (page > 1)
    assert seen == [f"SR00-{n:06d}" for n in reversed(range(120))]
    # Past the end: an empty page, not an error.
    assert rows(bob, "page=9") == []


# --- counts -----------------------------------------------------------------------------------------


def facet_counts(body: str) -> dict[str, int]:
    """The counts as the page shows them."""
    shown = re.findall(r'class="facet[^"]*">(\w+) <span class="count">(\d+)</span>', body)
    return {name.lower(): int(count) for name, count in shown}


def test_the_counts_match_the_database(signed_in, city, actors, streets):
    now = timezone.now()
    mine = ServiceRequest.objects.filter(department=city.streets, status=OPEN)
    expected = {
        "all": mine.count(),
        "overdue": mine.filter(expected_datetime__lt=now).count(),
        "unassigned": mine.filter(assignee__isnull=True).count(),
        "mine": mine.filter(assignee=actors["bob"]).count(),
    }
    assert expected == {"all": 4, "overdue": 1, "unassigned": 3, "mine": 1}
    response = signed_in("bob").get("/staff/")
    assert facet_counts(response.content.decode()) == expected  # no triage count: bob has none
    assert response.context["facets"]["triage"] == 0
    # The counts keep the selection but not the quick filter that is on: "Mine" still counts all.
    response = signed_in("bob").get(f"/staff/?service={city.pothole.pk}&assignee=me")
    assert facet_counts(response.content.decode()) == {"all": 2, "overdue": 1, "unassigned": 1, "mine": 1}


def test_a_supervisor_counts_triage(signed_in, city, streets):
    RoutingRule.objects.all().delete()
    triage = [file_request(city.pothole, description=f"Unrouted {n}") for n in range(2)]
    response = signed_in("carol").get("/staff/")
    counts = facet_counts(response.content.decode())
    assert counts["triage"] == 2 and counts["all"] == 4 + 2
    assert set(rows(signed_in("carol"), "triage=1")) == numbers(*triage)
    assert response.context["facets"] == {
        "total": 6,
        "overdue": 1,
        "unassigned": 5,
        "mine": 0,
        "triage": 2,
    }


# --- bad values -------------------------------------------------------------------------------------


BAD_VALUES = [
    ("service=abc", "service: 'abc' is not a number"),
    ("district=1.5", "district: '1.5' is not a number"),
    ("team=crew", "team: 'crew' is not a number"),
    ("department=x", "department: 'x' is not a number"),
    ("state=bogus", "state: 'bogus' is not a state"),
    ("sort=sideways", "sort: 'sideways' is not a sort order"),
    ("priority=9", "priority: not a priority"),
    ("priority=high", "priority: 'high' is not a number"),
    ("page=last", "page: 'last' is not a number"),
    ("channel=pigeon", "channel: 'pigeon' is not a channel"),
    ("assignee=someone", "assignee: 'someone' is not me, none or a person's number"),
    ("assignee=%C2%B2", "assignee: '²' is not me, none or a person's number"),  # a digit to isdigit()
    ("state=%3Cb%3Ex%3C/b%3E", "state: '&lt;b&gt;x&lt;/b&gt;' is not a state"),  # escaped
]
ODD_VALUES = [
    "service=99999999999999999999",
    "assignee=99999999999999999999",
    "page=99999999999999999999",
    "page=-3",
    "q=%00",
    "q=" + "x" * 5000,
    "q=%25_%5C",
]


def test_a_bad_filter_value_is_a_clear_message(signed_in, streets):
    bob = signed_in("bob")
    everything_open = numbers(streets.old_pothole, streets.new_pothole, streets.light, streets.graffiti)
    for query, message in BAD_VALUES:
        response = bob.get(f"/staff/?{query}")
        assert response.status_code == 200, query
        body = response.content.decode().replace("&#x27;", "'")
        assert f'<p class="error" role="alert">{message}</p>' in body, query
        # The bad value is left out; the rest of the queue is there.
        assert set(ROW.findall(body)) == everything_open, query


def test_odd_values_do_not_break_the_queue(signed_in, streets):
    bob = signed_in("bob")
    for query in ODD_VALUES:
        assert bob.get(f"/staff/?{query}").status_code == 200, query
        assert bob.get(f"/staff/queue.geojson?{query}").status_code == 200, query


# --- the htmx partial -------------------------------------------------------------------------------


def test_htmx_gets_only_the_table(signed_in, city, streets):
    response = signed_in("bob").get(f"/staff/?service={city.pothole.pk}", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and 'id="queue-filter"' not in body and "<header" not in body
    assert body.lstrip().startswith('<div class="facets" role="group"')
    assert 'class="queue-table"' in body
    assert set(ROW.findall(body)) == numbers(streets.old_pothole, streets.new_pothole)
    full = signed_in("bob").get(f"/staff/?service={city.pothole.pk}").content.decode()
    assert "<html" in full and 'id="queue-filter"' in full


def test_the_map_data_follows_the_filters(signed_in, city, streets):
    data = signed_in("bob").get(f"/staff/queue.geojson?service={city.pothole.pk}").json()
    assert {f["properties"]["id"] for f in data["features"]} == numbers(
        streets.old_pothole, streets.new_pothole
    )
    assert data["truncated"] is False
