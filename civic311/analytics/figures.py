"""How the city works, in figures: for any set of requests (the public ones a filter matches, or a staff
scope), grouped by service, service group, department, a kind of district, channel, month or week, the
counts, the time to close and the share closed on time. /data/stats.json, the dashboard and the staff
analytics all read these, so what a page says and what an analyst downloads are the same numbers.

Every figure here is exact: counts by SQL, percentiles by percentile_cont (PostgreSQL's, or ours on SQLite).
"""

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from civic311.catalog.models import Jurisdiction
from civic311.geo.models import District
from civic311.lib.aggregates import HoursBetween, Percentile
from civic311.servicerequests.choices import CLOSED, OPEN, Channel, Status
from civic311.servicerequests.intake import FieldError
from civic311.servicerequests.models import ServiceRequest

PLAIN_GROUPINGS = ("service", "service_group", "department", "channel", "month", "week")
# Only in the staff analytics: who works the requests is not published.
STAFF_GROUPINGS = ("team", "assignee")
DISTRICT = "district"


@dataclass(frozen=True)
class Grouping:
    """What the figures are grouped by; for districts, of which kind (ward, community_area …)."""

    name: str
    kind: str = ""

    def __str__(self) -> str:
        return f"{DISTRICT}:{self.kind}" if self.name == DISTRICT else self.name


def parse_grouping(
    raw: str, jurisdiction: Jurisdiction, errors: list[FieldError], *, staff: bool = False
) -> Grouping | None:
    """group_by's value, checked: a district kind must be one the jurisdiction has; team and assignee
    only for staff."""
    raw = raw.strip()
    if not raw:
        return None
    if raw in PLAIN_GROUPINGS or (staff and raw in STAFF_GROUPINGS):
        return Grouping(raw)
    name, _sep, kind = raw.partition(":")
    if name == DISTRICT:
        kinds = District.objects.kinds(jurisdiction)
        if kind in kinds:
            return Grouping(DISTRICT, kind)
        known = ", ".join(f"district:{k}" for k in kinds) or "none here"
        errors.append(FieldError("group_by", f"'{kind[:40]}' is not a kind of district here ({known})"))
        return None
    choices = ", ".join((*PLAIN_GROUPINGS, "district:KIND"))
    errors.append(FieldError("group_by", f"'{raw[:40]}' is not a grouping; use one of {choices}"))
    return None


@dataclass
class Figures:
    """One group's figures. Hours are to the hundredth (36 seconds); shares are of 1."""

    key: str | None
    label: str
    requests: int
    open: int
    closed: int
    median_hours_to_close: float | None
    p90_hours_to_close: float | None
    closed_with_expected: int  # closed requests that had an expected time: on_time_share's base
    closed_on_time: int
    on_time_share: float | None
    reopened: int  # requests reopened at least once
    overdue: int  # open now and past their expected time
    closed_as_duplicate: int
    closed_as_referred: int
    population: int | None = None
    requests_per_1000_residents: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def counts() -> dict[str, Any]:
    """The figures that add up: what the rollups keep per cell (rollups.py) and the exact path counts."""
    closed = Q(status=CLOSED)
    with_expected = closed & Q(expected_datetime__isnull=False)
    return {
        "requests": Count("pk"),
        "open": Count("pk", filter=Q(status=OPEN)),
        "closed": Count("pk", filter=closed),
        "closed_with_expected": Count("pk", filter=with_expected),
        "closed_on_time": Count("pk", filter=with_expected & Q(closed_datetime__lte=F("expected_datetime"))),
        "reopened": Count("pk", filter=Q(times_reopened__gt=0)),
        "closed_as_duplicate": Count("pk", filter=Q(status_code=Status.DUPLICATE)),
        "closed_as_referred": Count("pk", filter=Q(status_code=Status.REFERRED)),
    }


COUNTS = tuple(counts())


def _aggregates(now: datetime) -> dict[str, Any]:
    hours = HoursBetween("requested_datetime", "closed_datetime")
    return {
        **counts(),
        # closed_datetime is set exactly when closed (ServiceRequest.set_status), so the nulls of open
        # requests drop out of the percentiles on their own.
        "median": Percentile(hours, 0.5),
        "p90": Percentile(hours, 0.9),
        "overdue": Count("pk", filter=Q(status=OPEN, expected_datetime__lt=now)),
    }


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def figures_of(key: str | None, label: str, row: Mapping[str, Any], population: int | None = None) -> Figures:
    with_expected = row["closed_with_expected"]
    return Figures(
        key=key,
        label=label,
        requests=row["requests"],
        open=row["open"],
        closed=row["closed"],
        median_hours_to_close=_hours(row["median"]),
        p90_hours_to_close=_hours(row["p90"]),
        closed_with_expected=with_expected,
        closed_on_time=row["closed_on_time"],
        on_time_share=round(row["closed_on_time"] / with_expected, 4) if with_expected else None,
        reopened=row["reopened"],
        overdue=row["overdue"],
        closed_as_duplicate=row["closed_as_duplicate"],
        closed_as_referred=row["closed_as_referred"],
        population=population,
        requests_per_1000_residents=round(1000 * row["requests"] / population, 2) if population else None,
    )


def total(requests: QuerySet[ServiceRequest], *, now: datetime | None = None) -> Figures:
    """The figures of all the requests together."""
    row = requests.order_by().aggregate(**_aggregates(now or timezone.now()))
    return figures_of(None, _("All requests"), row)


def grouped(
    requests: QuerySet[ServiceRequest], grouping: Grouping, tz, *, now: datetime | None = None
) -> list[Figures]:
    """The figures of each group, in the grouping's order (codes, names, or time)."""
    aggregates = _aggregates(now or timezone.now())
    qs = requests.order_by()
    if grouping.name == DISTRICT:
        return _by_district(qs, grouping.kind, aggregates)
    if grouping.name in ("month", "week"):
        trunc = TruncMonth if grouping.name == "month" else TruncWeek
        rows = qs.annotate(period=trunc("requested_datetime", tzinfo=tz)).values("period")
        shape = "%Y-%m" if grouping.name == "month" else "%Y-%m-%d"
        return [
            figures_of(row["period"].strftime(shape), row["period"].strftime(shape), row)
            for row in rows.annotate(**aggregates).order_by("period")
        ]
    key, label = {
        "service": ("service__service_code", "service__service_name"),
        "service_group": ("service__group", "service__group"),
        "department": ("department__code", "department__name"),
        "channel": ("channel", "channel"),
        "team": ("team_id", "team__name"),
        "assignee": ("assignee__username", "assignee__username"),
    }[grouping.name]
    rows = qs.values(key, label).annotate(**aggregates).order_by(label, key)
    out = []
    for row in rows:
        value = None if row[key] is None else str(row[key])
        out.append(figures_of(value, label_of(grouping.name, row[key], row[label]), row))
    return out


def label_of(grouping: str, key: str | None, label: str | None) -> str:
    if grouping == "channel" and key in Channel.values:
        return str(Channel(key).label)
    if grouping == "department" and key is None:
        return _("Not routed")
    if grouping == "service_group" and not key:
        return _("No group")
    if grouping == "team" and key is None:
        return _("No team")
    if grouping == "assignee" and key is None:
        return _("Nobody yet")
    return label or ""


def _by_district(qs: QuerySet[ServiceRequest], kind: str, aggregates: dict[str, Any]) -> list[Figures]:
    # The join to the district table gives each request its one district of this kind; a request in none
    # (outside every polygon, or with no place) is counted apart, so the groups add up to the total.
    rows = (
        qs.filter(districts__kind=kind)
        .values("districts__code", "districts__name", "districts__population")
        .annotate(**aggregates)
    )
    out = [
        figures_of(r["districts__code"], r["districts__name"], r, population=r["districts__population"])
        for r in rows
    ]
    out.sort(key=lambda f: natural(f.key))
    outside = qs.exclude(districts__kind=kind).aggregate(**aggregates)
    if outside["requests"]:
        out.append(figures_of(None, _("In no %(kind)s") % {"kind": kind.replace("_", " ")}, outside))
    return out


def natural(code: str | None) -> tuple[int, int, str]:
    """Ward 2 before ward 10."""
    text = code or ""
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


@dataclass
class Flow:
    """One week of the backlog: requests opened and closed in it, and how many were open at its end."""

    week: str  # its Monday, in the city's time
    opened: int
    closed: int
    backlog: int


def flow(requests: QuerySet[ServiceRequest], tz) -> list[Flow]:
    """Opened and closed per week, every week from the first to the last (none left out for having
    nothing), and the open backlog at each week's end: of these requests only (those filed earlier are
    not in the set, so the backlog starts from nothing)."""
    qs = requests.order_by()
    opened = dict(
        qs.annotate(week=TruncWeek("requested_datetime", tzinfo=tz))
        .values("week")
        .annotate(n=Count("pk"))
        .values_list("week", "n")
    )
    closed = dict(
        qs.filter(status=CLOSED, closed_datetime__isnull=False)
        .annotate(week=TruncWeek("closed_datetime", tzinfo=tz))
        .values("week")
        .annotate(n=Count("pk"))
        .values_list("week", "n")
    )
    return weekly({_monday(w): n for w, n in opened.items()}, {_monday(w): n for w, n in closed.items()})


def weekly(opened_by: Mapping[date, int], closed_by: Mapping[date, int]) -> list[Flow]:
    """Every week from the first to the last (none left out for having nothing), and the backlog."""
    weeks = set(opened_by) | set(closed_by)
    if not weeks:
        return []
    out, backlog, week, last = [], 0, min(weeks), max(weeks)
    while week <= last:
        o, c = opened_by.get(week, 0), closed_by.get(week, 0)
        backlog += o - c
        out.append(Flow(week.isoformat(), o, c, backlog))
        week += timedelta(days=7)
    return out


def _monday(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value
