"""The routing decision as a pure function: each condition, the order of rules, the reasons."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from civic311.routing.engine import TRIAGE, RequestFacts, Rule, decide, match

CHICAGO = ZoneInfo("America/Chicago")


def facts(**overrides) -> RequestFacts:
    values = dict(
        service_code="PHF",
        service_group="Streets",
        service_department_id=7,
        district_ids=frozenset({42}),
        description="Deep pothole by the school",
        attributes={"WHERE": "LANE", "CARTS": ["BLACK", "BLUE"]},
        channel="web",
        received_at=datetime(2026, 11, 24, 10, 30, tzinfo=CHICAGO),  # a Tuesday
    )
    values.update(overrides)
    return RequestFacts(**values)


def rule(**overrides) -> Rule:
    return Rule(**{"id": 1, "name": "rule", "department_id": 3, **overrides})


def test_a_rule_without_conditions_matches_every_request():
    assert match(rule(), facts()) == ["every request"]


def test_each_condition_must_hold():
    assert match(rule(service_codes=frozenset({"SFD"})), facts()) is None
    assert match(rule(service_codes=frozenset({"PHF"})), facts()) == ["service PHF"]
    assert match(rule(service_groups=frozenset({"streets"})), facts()) == ["group Streets"]
    assert match(rule(service_groups=frozenset({"garbage"})), facts()) is None
    assert match(rule(district_ids=frozenset({41, 42}), district_names={42: "Ward 42"}), facts()) == [
        "Ward 42"
    ]
    assert match(rule(district_ids=frozenset({1})), facts()) is None
    assert match(rule(keywords=("school", "hospital")), facts()) == ["description mentions 'school'"]
    assert match(rule(keywords=("hospital",)), facts()) is None
    assert match(rule(attribute=("WHERE", "LANE")), facts()) == ["WHERE is LANE"]
    assert match(rule(attribute=("WHERE", "BIKE")), facts()) is None
    assert match(rule(attribute=("CARTS", "BLUE")), facts()) == ["CARTS is BLUE"]
    assert match(rule(attribute=("NOPE", "X")), facts()) is None
    assert match(rule(channels=frozenset({"phone", "web"})), facts()) == ["filed by web"]
    assert match(rule(channels=frozenset({"sms"})), facts()) is None
    assert match(rule(weekdays=frozenset({1})), facts()) == ["on a Tuesday"]
    assert match(rule(weekdays=frozenset({5, 6})), facts()) is None


def test_all_conditions_of_a_rule_together():
    both = rule(
        service_codes=frozenset({"PHF"}), district_ids=frozenset({42}), district_names={42: "Ward 42"}
    )
    assert match(both, facts()) == ["service PHF", "Ward 42"]
    assert match(both, facts(district_ids=frozenset({1}))) is None


def test_a_time_window_may_run_past_midnight():
    night = rule(time_from=time(22), time_to=time(6))
    assert match(night, facts(received_at=datetime(2026, 11, 24, 23, 0, tzinfo=CHICAGO))) is not None
    assert match(night, facts(received_at=datetime(2026, 11, 24, 5, 59, tzinfo=CHICAGO))) is not None
    assert match(night, facts(received_at=datetime(2026, 11, 24, 6, 0, tzinfo=CHICAGO))) is None
    day = rule(time_from=time(8), time_to=time(17))
    assert match(day, facts()) == ["between 08:00 and 17:00"]


def test_the_first_matching_rule_decides():
    rules = [
        rule(id=1, name="night crew", time_from=time(22), time_to=time(6), department_id=9),
        rule(
            id=2,
            name="ward 42 potholes",
            service_codes=frozenset({"PHF"}),
            district_ids=frozenset({42}),
            department_id=3,
            team_id=5,
            priority=2,
            sla_hours=48,
        ),
        rule(id=3, name="everything", use_service_department=True),
    ]
    decision = decide(facts(), rules)
    assert (decision.rule_id, decision.department_id, decision.team_id, decision.priority) == (2, 3, 5, 2)
    assert decision.sla_hours == 48 and decision.reasons == ("service PHF", "42")
    assert decide(facts(service_code="SFD"), rules).department_id == 7  # the service's own department


def test_no_match_is_triage():
    assert decide(facts(), [rule(service_codes=frozenset({"SFD"}))]) is TRIAGE
    assert TRIAGE.is_triage


def test_a_service_without_a_department_falls_through_to_the_next_rule():
    rules = [rule(id=1, use_service_department=True), rule(id=2, department_id=11)]
    assert decide(facts(service_department_id=None), rules).department_id == 11
