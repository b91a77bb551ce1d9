"""Routing against the database: the facts of a request, the jurisdiction's rules, the decision applied
(department, team, priority, SLA due time, assignee). actions.submit_request calls route_new()."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q

from civic311.catalog.models import Department, Jurisdiction, Service
from civic311.geo.models import District
from civic311.lib import versioned
from civic311.routing import assignment, calendars, engine
from civic311.routing.choices import AssignmentStrategy, Clock
from civic311.routing.models import RoutingRule, SlaTarget, Team
from civic311.routing.sla import WorkingHours, due_at
from civic311.servicerequests.choices import OPEN
from civic311.servicerequests.models import ServiceRequest


def _split(text: str, lower: bool = True) -> list[str]:
    return [p.strip().lower() if lower else p.strip() for p in text.split(",") if p.strip()]


def as_rule(rule: RoutingRule) -> engine.Rule:
    """The engine's form of a rule; its services and districts prefetched (districts without geometry)."""
    districts = list(rule.districts.all())
    return engine.Rule(
        id=rule.pk,
        name=rule.name,
        service_codes=frozenset(s.service_code for s in rule.services.all()),
        service_groups=frozenset(_split(rule.service_groups)),
        district_ids=frozenset(d.pk for d in districts),
        district_names={d.pk: d.name for d in districts},
        keywords=tuple(_split(rule.keywords)),
        attribute=(rule.attribute_code, rule.attribute_value) if rule.attribute_code else None,
        channels=frozenset(_split(rule.channels)),
        weekdays=frozenset(int(d) for d in _split(rule.weekdays)),
        time_from=rule.time_from,
        time_to=rule.time_to,
        use_service_department=rule.use_service_department,
        department_id=rule.department_id,
        team_id=rule.team_id,
        priority=rule.priority,
        sla_hours=rule.sla_hours,
        sla_clock=rule.sla_clock,
    )


@dataclass(frozen=True)
class Target:
    hours: int
    clock: str


@dataclass(frozen=True)
class Reference:
    """What routing reads for every new request of a jurisdiction, built once per process and version of
    the reference data (lib/versioned.py): the active rules in order, the SLA targets by (service id or
    None for the jurisdiction's default, priority or None for any), the working hours, and the
    departments a decision names (shared between threads: read, never change or save them)."""

    rules: list[engine.Rule]
    targets: dict[tuple[int | None, int | None], Target]
    working: WorkingHours
    departments: dict[int, Department]


def _reference(jurisdiction_id: int) -> Reference:
    rules = (
        RoutingRule.objects.filter(jurisdiction_id=jurisdiction_id, active=True)
        .prefetch_related(
            Prefetch("services", queryset=Service.objects.only("pk", "service_code")),
            # Names only: a district's geometry is megabytes, and rules need none of it.
            Prefetch("districts", queryset=District.objects.only("pk", "name")),
        )
        .order_by("order", "pk")
    )
    # A service's targets by the service's jurisdiction, the defaults (no service) by their own.
    in_jurisdiction = Q(service__jurisdiction_id=jurisdiction_id) | Q(
        service__isnull=True, jurisdiction_id=jurisdiction_id
    )
    targets = {
        (t.service_id, t.priority): Target(t.hours, t.clock)
        for t in SlaTarget.objects.filter(in_jurisdiction)
    }
    jurisdiction = Jurisdiction.objects.get(pk=jurisdiction_id)
    # Every department, not only the jurisdiction's: a rule may send a request to another's.
    departments = {d.pk: d for d in Department.objects.all()}
    return Reference(
        [as_rule(r) for r in rules], targets, calendars.for_jurisdiction(jurisdiction), departments
    )


_references = versioned.Memo(_reference)


def reference(jurisdiction_id: int) -> Reference:
    return _references.get(jurisdiction_id)


def rules_for(jurisdiction: Jurisdiction) -> list[engine.Rule]:
    return reference(jurisdiction.pk).rules


def facts_for(request: ServiceRequest, district_ids: list[int] | None = None) -> engine.RequestFacts:
    service = request.service
    if district_ids is None:
        district_ids = list(request.districts.values_list("pk", flat=True))
    return engine.RequestFacts(
        service_code=service.service_code,
        service_group=service.group,
        service_department_id=service.department_id,
        district_ids=frozenset(district_ids),
        description=request.description,
        attributes=request.attributes,
        channel=request.channel,
        received_at=request.requested_datetime.astimezone(request.jurisdiction.tz),
    )


def default_target(jurisdiction_id: int, priority: int) -> Target | None:
    """The jurisdiction's target for services that set none."""
    targets = reference(jurisdiction_id).targets
    return targets.get((None, priority)) or targets.get((None, None))


@dataclass(frozen=True)
class Sla:
    """The service level that applies to a request, and where it comes from (for the staff analytics)."""

    hours: int
    clock: str
    source: str  # rule, service_priority, service, service_days, default


def applicable_sla(service: Service, priority: int, rule_hours: int | None, rule_clock: str) -> Sla | None:
    """The most specific SLA wins: the rule's; the service's target for the priority, or for any; the
    service's sla_days (calendar); the jurisdiction's default (for the priority, or any)."""
    if rule_hours:
        return Sla(rule_hours, rule_clock, "rule")
    targets = reference(service.jurisdiction_id).targets
    if target := targets.get((service.pk, priority)):
        return Sla(target.hours, target.clock, "service_priority")
    if target := targets.get((service.pk, None)):
        return Sla(target.hours, target.clock, "service")
    if service.sla_days:
        return Sla(service.sla_days * 24, Clock.CALENDAR, "service_days")
    if target := default_target(service.jurisdiction_id, priority):
        return Sla(target.hours, target.clock, "default")
    return None


def expected_at(request: ServiceRequest, decision: engine.Decision) -> datetime | None:
    """When the request should be done, by the SLA that applies (applicable_sla)."""
    service = request.service
    sla = applicable_sla(service, request.priority, decision.sla_hours, decision.sla_clock)
    if sla is None:
        return None
    working = reference(service.jurisdiction_id).working if sla.clock == Clock.BUSINESS else None
    if working is not None and not working.has_working_time:
        working = None  # a calendar with no hours at all: count around the clock rather than never
    return due_at(request.requested_datetime, timedelta(hours=sla.hours), working)


def pick_assignee(team_id: int) -> tuple[Team, Any]:
    """The team, locked so round robin never hands out twice, and a member for its new request (None
    when the team assigns nobody or has no one active). Call inside the transaction that saves it."""
    locked = Team.objects.select_for_update().get(pk=team_id)
    if locked.assignment == AssignmentStrategy.NONE:
        return locked, None
    members = {u.pk: u for u in locked.members.filter(is_active=True).order_by("pk")}
    counts: dict[int, int] = {}
    if locked.assignment == AssignmentStrategy.LEAST_OPEN:
        counts = dict(
            ServiceRequest.objects.filter(assignee_id__in=members, status=OPEN)
            .values("assignee_id")
            .annotate(n=Count("pk"))
            .values_list("assignee_id", "n")
        )
    chosen = assignment.choose(locked.assignment, list(members), counts, locked.last_assigned_id)
    if chosen is None:
        return locked, None
    if chosen != locked.last_assigned_id:
        locked.last_assigned_id = chosen
        locked.save(update_fields=["last_assigned"])
    return locked, members[chosen]


def route_new(request: ServiceRequest, district_ids: list[int]) -> engine.Decision:
    """Decide for a new request and apply the decision to it (unsaved: the caller saves)."""
    ref = reference(request.jurisdiction_id)
    decision = engine.decide(facts_for(request, district_ids), ref.rules)
    request.department = ref.departments.get(decision.department_id) if decision.department_id else None
    request.team_id = decision.team_id
    request.routing_rule_id = decision.rule_id
    if decision.priority is not None:
        request.priority = decision.priority
    request.expected_datetime = expected_at(request, decision)
    return decision
