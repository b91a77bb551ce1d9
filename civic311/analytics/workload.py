"""What the staff analytics shows beside the figures: the oldest open requests, the breaches of each
service level, and where requests bounce between departments. Over any set of requests (a staff member's
scope), so each supervisor sees their own department's."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from civic311.catalog.models import Department, Service
from civic311.routing.models import RoutingRule
from civic311.routing.router import applicable_sla
from civic311.servicerequests.choices import CLOSED, OPEN, EventKind, Priority
from civic311.servicerequests.models import Event, ServiceRequest

OLDEST_SHOWN = 20


def oldest_open(requests: QuerySet[ServiceRequest], limit: int = OLDEST_SHOWN) -> list[ServiceRequest]:
    """The open requests waiting longest, oldest first."""
    return list(
        requests.filter(status=OPEN)
        .select_related("service", "department", "team", "assignee")
        .order_by("requested_datetime", "pk")[:limit]
    )


@dataclass
class Breaches:
    """One service level (where it comes from, how long it gives) and how often it was missed."""

    label: str
    hours: int
    with_target: int  # requests this level applied to (an expected time)
    closed_late: int  # closed after their expected time
    open_late: int  # open now and past it

    @property
    def breached(self) -> int:
        return self.closed_late + self.open_late

    @property
    def share(self) -> float | None:
        return self.breached / self.with_target if self.with_target else None


_SOURCES = {
    "rule": lambda rule, service, priority: _("Rule “%(rule)s”") % {"rule": rule.name},
    "service_priority": lambda rule, service, priority: (
        _("%(service)s, priority %(priority)s")
        % {"service": service.service_name, "priority": Priority(priority).label}
    ),
    "service": lambda rule, service, priority: service.service_name,
    "service_days": lambda rule, service, priority: (
        _("%(service)s (days to complete)") % {"service": service.service_name}
    ),
    "default": lambda rule, service, priority: (
        _("The city's default, priority %(priority)s") % {"priority": Priority(priority).label}
    ),
}


def sla_breaches(requests: QuerySet[ServiceRequest], now: datetime | None = None) -> list[Breaches]:
    """Each service level that applied (the routing rule's, the service's for the priority, the service's,
    its days, the city's default: routing.router.applicable_sla), with how often it was missed; worst
    share first. Grouped in SQL by (rule, service, priority), then each group named by its level."""
    now = now or timezone.now()
    grouped = (
        requests.order_by()
        .filter(expected_datetime__isnull=False)
        .values("routing_rule_id", "service_id", "priority")
        .annotate(
            with_target=Count("pk"),
            closed_late=Count("pk", filter=Q(status=CLOSED, closed_datetime__gt=F("expected_datetime"))),
            open_late=Count("pk", filter=Q(status=OPEN, expected_datetime__lt=now)),
        )
    )
    rows = list(grouped)
    services = Service.objects.in_bulk({r["service_id"] for r in rows})
    rules = RoutingRule.objects.in_bulk({r["routing_rule_id"] for r in rows if r["routing_rule_id"]})
    levels: dict[tuple[str, int], Breaches] = {}
    for row in rows:
        service = services[row["service_id"]]
        rule = rules.get(row["routing_rule_id"])
        sla = applicable_sla(
            service, row["priority"], rule.sla_hours if rule else None, rule.sla_clock if rule else ""
        )
        if sla is None:  # an expected time from elsewhere (an import's target date)
            label, hours = _("Set by the source it came from"), 0
        else:
            label, hours = _SOURCES[sla.source](rule, service, row["priority"]), sla.hours
        level = levels.setdefault((label, hours), Breaches(label, hours, 0, 0, 0))
        level.with_target += row["with_target"]
        level.closed_late += row["closed_late"]
        level.open_late += row["open_late"]
    return sorted(levels.values(), key=lambda b: (-(b.share or 0), -b.breached, b.label))


@dataclass
class Reroute:
    """Requests sent by hand from one department to another."""

    from_department: str
    to_department: str
    times: int


def reroutes(requests: QuerySet[ServiceRequest]) -> tuple[list[Reroute], int]:
    """Where requests bounce: each (from, to) pair of departments that staff re-routed requests between,
    most frequent first, and how many requests were re-routed at least once."""
    events = Event.objects.filter(
        request__in=requests.order_by().values("pk"), kind=EventKind.ROUTED, data__by_hand=True
    ).values_list("request_id", "data")
    pairs: Counter[tuple[int | None, str]] = Counter()
    bounced = set()
    for request_id, data in events:
        before = data.get("before") or {}
        to = data.get("department_name") or data.get("department") or ""
        if to and "department" in before:  # from a department, or from triage (None)
            pairs[(before["department"], to)] += 1
            bounced.add(request_id)
    names = Department.objects.in_bulk({before for before, _ in pairs if before is not None})
    out = [
        Reroute(names[before].name if before in names else _("Triage"), to, n)
        for (before, to), n in pairs.most_common()
        if not (before in names and names[before].name == to)  # a new team in the same department
    ]
    return out, len(bounced)
