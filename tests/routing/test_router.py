"""Routing new requests against the database: rules in order, teams, assignment, triage, history."""

import pytest
from django.contrib.auth import get_user_model

from civic311.routing.models import RoutingRule, Team
from civic311.servicerequests.models import ServiceRequest
from tests.factories import INSIDE_WARD_2, file_request


@pytest.fixture
def ward_two_crew(city):
    users = [get_user_model().objects.create_user(name) for name in ("bob", "erin", "frank")]
    team = Team.objects.create(
        department=city.streets, code="ward-2", name="Ward 2 crew", assignment="round_robin"
    )
    team.members.set(users)
    rule = RoutingRule.objects.create(
        jurisdiction=city.jurisdiction,
        name="Potholes in ward 2",
        order=10,
        department=city.streets,
        team=team,
        priority=2,
    )
    rule.services.add(city.pothole)
    rule.districts.add(city.wards[1])
    return team, users, rule


def test_a_rule_sends_a_request_to_a_team_and_the_history_says_which_rule_and_why(city, ward_two_crew):
    team, users, rule = ward_two_crew
    request = file_request(city.pothole, lat=INSIDE_WARD_2[0], long=INSIDE_WARD_2[1])
    assert (request.department, request.team, request.priority, request.routing_rule) == (
        city.streets,
        team,
        2,
        rule,
    )
    routed = request.events.get(kind="routed")
    assert routed.public and routed.data["rule"] == "Potholes in ward 2"
    assert routed.data["reasons"] == ["service PHF", "Ward 2"] and routed.data["team"] == "Ward 2 crew"
    assigned = request.events.get(kind="assigned")
    assert not assigned.public and request.assignee == users[0]


def test_round_robin_hands_requests_out_in_turn(city, ward_two_crew):
    _, users, _ = ward_two_crew
    assignees = [
        file_request(city.pothole, lat=INSIDE_WARD_2[0], long=INSIDE_WARD_2[1]).assignee for _ in range(4)
    ]
    assert assignees == [users[0], users[1], users[2], users[0]]


def test_least_open_work_goes_to_the_least_busy(city, ward_two_crew):
    team, users, _ = ward_two_crew
    team.assignment = "least_open"
    team.save()
    for _ in range(2):
        file_request(city.pothole, lat=INSIDE_WARD_2[0], long=INSIDE_WARD_2[1])
    # bob got the first, erin the second; frank has least open work now
    assert file_request(city.pothole, lat=INSIDE_WARD_2[0], long=INSIDE_WARD_2[1]).assignee == users[2]


def test_other_requests_fall_through_to_the_next_rule(city, ward_two_crew):
    request = file_request(city.pothole)  # ward 1
    assert request.team is None and request.department == city.streets
    assert request.routing_rule.name == "Every request to its service's department"


def test_a_request_no_rule_matches_lands_in_triage(city):
    RoutingRule.objects.all().delete()
    request = file_request(city.pothole)
    assert request.department is None and request.routing_rule is None
    routed = request.events.get(kind="routed")
    assert not routed.public and routed.data["triage"] is True
    assert ServiceRequest.objects.filter(department__isnull=True).count() == 1


def test_triage_requests_are_public_but_say_no_department(client, city):
    RoutingRule.objects.all().delete()
    request = file_request(city.pothole)
    item = client.get(f"/open311/v2/requests/{request.service_request_id}.json").json()[0]
    assert item["agency_responsible"] is None


def test_inactive_rules_are_skipped(city, ward_two_crew):
    _, _, rule = ward_two_crew
    rule.active = False
    rule.save()
    assert file_request(city.pothole, lat=INSIDE_WARD_2[0], long=INSIDE_WARD_2[1]).team is None


def test_a_filing_reads_no_reference_data_and_writes_in_a_fixed_number_of_queries(city, ward_two_crew):
    """The catalog, districts, rules, targets and departments come from the process's copy; what is left
    is the transaction's own work (under the locks) and the queue's row after it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from civic311.catalog import cache

    pothole = cache.service(city.jurisdiction, "PHF")
    file_request(pothole, lat=INSIDE_WARD_2[0], long=INSIDE_WARD_2[1])  # the copies are built
    with CaptureQueriesContext(connection) as queries:
        request = file_request(pothole, lat=INSIDE_WARD_2[0], long=INSIDE_WARD_2[1])
    assert request.assignee is not None
    statements = [q["sql"] for q in queries.captured_queries]
    reference = ("catalog_", 'geo_district"', "routing_routingrule", "routing_slatarget")
    read = [sql for sql in statements if sql.startswith("SELECT") and any(t in sql for t in reference)]
    assert read == []
    # the reverse geocode; then in the transaction (a savepoint here, inside the test's): the counter, the
    # team's lock and members, its turn, the request, its ward, 3 events, the reporter. The queue's row
    # comes after the commit, which a test in a transaction never reaches.
    assert len(statements) <= 13, "\n".join(statements)
