"""The routing decision, as a pure function: the facts of a request and the rules in order in, the
decision and the rule that made it (with the reasons, for the request's history) out.

No database here, so every rule is easy to test and to explain.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time


@dataclass(frozen=True)
class RequestFacts:
    """What rules may look at."""

    service_code: str
    service_group: str
    service_department_id: int | None
    district_ids: frozenset[int]
    description: str
    attributes: dict  # code -> answer (a key, or a list of keys)
    channel: str
    received_at: datetime  # in the jurisdiction's time zone


@dataclass(frozen=True)
class Rule:
    """A routing rule's conditions and outcome (from routing.models.RoutingRule)."""

    id: int
    name: str
    service_codes: frozenset[str] = frozenset()
    service_groups: frozenset[str] = frozenset()  # lower case
    district_ids: frozenset[int] = frozenset()
    district_names: dict[int, str] = field(default_factory=dict)  # for the reasons
    keywords: tuple[str, ...] = ()  # lower case
    attribute: tuple[str, str] | None = None
    channels: frozenset[str] = frozenset()
    weekdays: frozenset[int] = frozenset()
    time_from: time | None = None
    time_to: time | None = None
    use_service_department: bool = False
    department_id: int | None = None
    team_id: int | None = None
    priority: int | None = None
    sla_hours: int | None = None
    sla_clock: str = "calendar"


@dataclass(frozen=True)
class Decision:
    rule_id: int | None
    rule_name: str
    department_id: int | None
    team_id: int | None = None
    priority: int | None = None
    sla_hours: int | None = None
    sla_clock: str = "calendar"
    reasons: tuple[str, ...] = ()

    @property
    def is_triage(self) -> bool:
        return self.department_id is None


TRIAGE = Decision(rule_id=None, rule_name="no rule matched", department_id=None, reasons=("no rule matched",))


def _in_window(at: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= at < end
    return at >= start or at < end  # a window past midnight, e.g. 22:00 to 06:00


def _answer_matches(answer, wanted: str) -> bool:
    if isinstance(answer, list):
        return wanted in [str(a) for a in answer]
    return str(answer) == wanted


def match(rule: Rule, facts: RequestFacts) -> list[str] | None:
    """Why the rule matches (one reason per condition it sets), or None when it does not."""
    reasons = []
    if rule.service_codes:
        if facts.service_code not in rule.service_codes:
            return None
        reasons.append(f"service {facts.service_code}")
    if rule.service_groups:
        if facts.service_group.lower() not in rule.service_groups:
            return None
        reasons.append(f"group {facts.service_group}")
    if rule.district_ids:
        hit = rule.district_ids & facts.district_ids
        if not hit:
            return None
        reasons.append(", ".join(sorted(rule.district_names.get(d, str(d)) for d in hit)))
    if rule.keywords:
        text = facts.description.lower()
        found = [k for k in rule.keywords if k in text]
        if not found:
            return None
        reasons.append(f"description mentions {found[0]!r}")
    if rule.attribute is not None:
        code, wanted = rule.attribute
        if code not in facts.attributes or not _answer_matches(facts.attributes[code], wanted):
            return None
        reasons.append(f"{code} is {wanted}")
    if rule.channels:
        if facts.channel not in rule.channels:
            return None
        reasons.append(f"filed by {facts.channel}")
    if rule.weekdays:
        if facts.received_at.weekday() not in rule.weekdays:
            return None
        reasons.append(facts.received_at.strftime("on a %A"))
    if rule.time_from is not None and rule.time_to is not None:
        if not _in_window(facts.received_at.time(), rule.time_from, rule.time_to):
            return None
        reasons.append(f"between {rule.time_from:%H:%M} and {rule.time_to:%H:%M}")
    return reasons or ["every request"]


def decide(facts: RequestFacts, rules: Sequence[Rule]) -> Decision:
    """The first rule (in the given order) that matches and names a department; else triage."""
    for rule in rules:
        reasons = match(rule, facts)
        if reasons is None:
            continue
        department_id = facts.service_department_id if rule.use_service_department else rule.department_id
        if department_id is None:
            continue  # "the service's department" for a service that has none: let a later rule decide
        return Decision(
            rule_id=rule.id,
            rule_name=rule.name,
            department_id=department_id,
            team_id=rule.team_id,
            priority=rule.priority,
            sla_hours=rule.sla_hours,
            sla_clock=rule.sla_clock,
            reasons=tuple(reasons),
        )
    return TRIAGE
