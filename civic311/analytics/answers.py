"""The figures a reader asks for: from the rollups' cells where they can say it, else exactly (figures.py).

The cells answer a question about the public requests with a date window of any span and at most one
dimension — service (or group), department, channel or district of one kind — across its filter and its
grouping. Anything else (a status, words, a place, updates, two dimensions) goes the exact way.

A window is read in pieces: whole months from month cells, whole days from day cells, and the part of a
day at either end (a window from 14:00) from the requests themselves, so every count stays exact.
Percentiles come from the merged histograms, within 1 % of percentile_cont; "overdue now" from the open
requests' expected days, and today's from the requests.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civic311.analytics import figures, rollups
from civic311.analytics.figures import COUNTS, DISTRICT, Figures, Grouping, figures_of, label_of, natural
from civic311.analytics.models import Cell
from civic311.analytics.rollups import Values, midnight, month_of, next_month
from civic311.catalog.models import Department, Jurisdiction, Service
from civic311.geo.models import District
from civic311.servicerequests import filters
from civic311.servicerequests.choices import OPEN
from civic311.servicerequests.filters import RequestFilter

GROUP_VIEWS = {
    "service": "service",
    "service_group": "service",
    "department": "department",
    "channel": "channel",
}
ONE_MICROSECOND = timedelta(microseconds=1)


def answer(
    jurisdiction: Jurisdiction,
    f: RequestFilter,
    grouping: Grouping | None,
    tz,
    *,
    now: datetime | None = None,
) -> tuple[Figures, list[Figures]]:
    """(total, groups) of the public requests the filter matches."""
    now = now or timezone.now()
    found = from_cells(jurisdiction, f, grouping, tz, now)
    if found is not None:
        return found
    requests = filters.matching(jurisdiction, f)
    groups = figures.grouped(requests, grouping, tz, now=now) if grouping else []
    return figures.total(requests, now=now), groups


# --- which cells ----------------------------------------------------------------------------------------


@dataclass
class Selection:
    """The view of the filter's one dimension ("" for none) and the keys it keeps (None: all)."""

    view: str
    keys: list[str] | None


def _ids(qs) -> list[str]:
    return [str(pk) for pk in qs.values_list("pk", flat=True)]


def _selection(jurisdiction: Jurisdiction, f: RequestFilter) -> Selection | None:
    if f.service_request_ids or f.updated_after or f.updated_before or f.near or f.bbox or f.text:
        return None
    if len(set(f.statuses)) == 1:
        return None
    chosen: list[Selection] = []
    if f.service_codes or f.service_groups:
        services = Service.objects.filter(jurisdiction=jurisdiction)
        if f.service_codes:
            services = services.filter(service_code__in=f.service_codes)
        if f.service_groups:
            services = services.filter(group__in=f.service_groups)
        chosen.append(Selection("service", _ids(services)))
    if f.agencies:
        departments = Department.objects.filter(jurisdiction=jurisdiction)
        chosen.append(
            Selection("department", _ids(departments.filter(Q(code__in=f.agencies) | Q(name__in=f.agencies))))
        )
    if f.channels:
        chosen.append(Selection("channel", list(f.channels)))
    if f.districts:
        kinds = {kind for kind, _ in f.districts}
        if len(kinds) > 1:
            return None
        districts = District.objects.filter(
            jurisdiction=jurisdiction, kind=kinds.pop(), code__in=[code for _, code in f.districts]
        )
        chosen.append(Selection("district", _ids(districts)))
    if len(chosen) > 1:
        return None
    return chosen[0] if chosen else Selection("", None)


def _group_view(grouping: Grouping | None) -> str | None:
    """The view a grouping reads; None for month and week (they read the selection's own)."""
    if grouping is None or grouping.name in ("month", "week"):
        return None
    return "district" if grouping.name == DISTRICT else GROUP_VIEWS.get(grouping.name)


# --- the window in pieces --------------------------------------------------------------------------------


@dataclass
class Pieces:
    months: tuple[date | None, date | None] | None = None  # [from, to) of month cells; None: no months
    days: list[tuple[date | None, date | None]] = field(default_factory=list)  # [from, to) of day cells
    parts: list[tuple[datetime | None, datetime | None]] = field(default_factory=list)  # from the requests


def _pieces(f: RequestFilter, tz, *, by_day: bool) -> Pieces:
    start = f.start
    end = f.end + ONE_MICROSECOND if f.end is not None else None  # exclusive
    first = last = None  # whole days [first, last)
    parts: list[tuple[datetime | None, datetime | None]] = []
    if start is not None:
        first = start.astimezone(tz).date()
        if start != midnight(first, tz):
            first += timedelta(days=1)
    if end is not None:
        last = end.astimezone(tz).date()
    if first is not None and last is not None and last < first:  # within one day
        return Pieces(parts=[(start, end)])
    if start is not None and first is not None and start != midnight(first, tz):
        parts.append((start, midnight(first, tz) if end is None else min(midnight(first, tz), end)))
    if end is not None and last is not None and end != midnight(last, tz):
        parts.append((midnight(last, tz) if start is None else max(midnight(last, tz), start), end))
    if first is not None and last is not None and first >= last:
        return Pieces(parts=parts)
    if by_day:
        return Pieces(days=[(first, last)], parts=parts)
    month_from = first if first is None or first.day == 1 else next_month(month_of(first))
    month_to = None if last is None else month_of(last)
    if month_from is not None and month_to is not None and month_to <= month_from:
        return Pieces(days=[(first, last)], parts=parts)
    days: list[tuple[date | None, date | None]] = []
    if first is not None and month_from is not None and first < month_from:
        days.append((first, month_from))
    if last is not None and month_to is not None and month_to < last:
        days.append((month_to, last))
    return Pieces(months=(month_from, month_to), days=days, parts=parts)


Row = tuple[date, str, Values]


def _rows(jurisdiction: Jurisdiction, view: str, keys: list[str] | None, pieces: Pieces) -> list[Row]:
    """(period, key, values) of each piece of the window in this view."""
    base = Cell.objects.filter(jurisdiction=jurisdiction, view=view)
    if keys is not None:
        base = base.filter(key__in=keys)
    reads = []
    if pieces.months is not None:
        reads.append(_between(base.filter(grain=Cell.MONTH), *pieces.months))
    for day_from, day_to in pieces.days:
        reads.append(_between(base.filter(grain=Cell.DAY), day_from, day_to))
    out: list[Row] = []
    for qs in reads:
        for period, key, hours, due, closed_on, *numbers in qs.values_list(
            "period", "key", "hours", "due", "closed_on", *COUNTS
        ):
            values = Values(counts=dict(zip(COUNTS, numbers, strict=True)))
            values.hours.add(hours)
            values.due.add(due)
            values.closed_on.add(closed_on)
            out.append((period, key, values))
    for start, end in pieces.parts:
        assert start is not None and end is not None
        out += [
            (day, key, v) for (day, key), v in rollups.compute(jurisdiction, view, start, end, keys).items()
        ]
    return out


def _between(qs, low: date | None, high: date | None):
    if low is not None:
        qs = qs.filter(period__gte=low)
    if high is not None:
        qs = qs.filter(period__lt=high)
    return qs


def _due_today(
    jurisdiction: Jurisdiction, view: str, keys: list[str] | None, f: RequestFilter, tz, now: datetime
) -> list[Row]:
    """Open requests due earlier today, as rows whose due day is yesterday: the cells count a request as
    overdue from the day after its expected day, these from its expected time."""
    today = now.astimezone(tz).date()
    qs = rollups.of_keys(rollups.requests_of(jurisdiction), view, keys).filter(
        status=OPEN, expected_datetime__gte=midnight(today, tz), expected_datetime__lt=now
    )
    if f.start is not None:
        qs = qs.filter(requested_datetime__gte=f.start)
    if f.end is not None:
        qs = qs.filter(requested_datetime__lte=f.end)
    rows: list[Row] = []
    day, key = rollups.day_and_key(view, tz)
    grouped = qs.annotate(day=day, k=key).values("day", "k").annotate(n=Count("pk"))
    for found in grouped:
        row: dict = dict(found)
        values = Values()
        values.due.add_pairs({today.toordinal() - 1: row["n"]})
        rows.append((row["day"], row["k"], values))
    return rows


# --- naming the groups -----------------------------------------------------------------------------------


class _Namer:
    """Maps a cell's (period, key) to its group, and names the groups as the exact path does."""

    def __init__(self, jurisdiction: Jurisdiction, grouping: Grouping) -> None:
        self.grouping = grouping
        self.names: dict[
            str, tuple[str | None, str, int | None]
        ] = {}  # cell key -> (group, label, population)
        name = grouping.name
        if name in ("service", "service_group"):
            for pk, code, service_name, group in Service.objects.filter(
                jurisdiction=jurisdiction
            ).values_list("pk", "service_code", "service_name", "group"):
                if name == "service":
                    self.names[str(pk)] = (code, service_name, None)
                else:
                    self.names[str(pk)] = (group or None, label_of("service_group", group, group), None)
        elif name == "department":
            for pk, code, department_name in Department.objects.values_list("pk", "code", "name"):
                self.names[str(pk)] = (code, department_name, None)
            self.names[""] = (None, label_of("department", None, None), None)
        elif name == DISTRICT:
            for pk, code, district_name, population in District.objects.filter(
                jurisdiction=jurisdiction, kind=grouping.kind
            ).values_list("pk", "code", "name", "population"):
                self.names[str(pk)] = (code, district_name, population)

    def group(self, period: date, key: str) -> tuple[str | None, str, int | None] | None:
        name = self.grouping.name
        if name == "month":
            text = period.strftime("%Y-%m")
            return text, text, None
        if name == "week":
            monday = (period - timedelta(days=period.weekday())).isoformat()
            return monday, monday, None
        if name == "channel":
            return key, label_of("channel", key, key), None
        return self.names.get(key)  # None: a district of another kind

    def sort(self, groups: list[Figures]) -> list[Figures]:
        if self.grouping.name in ("month", "week"):
            return sorted(groups, key=lambda g: g.key or "")
        if self.grouping.name == DISTRICT:
            return sorted(groups, key=lambda g: (g.key is None, natural(g.key)))
        return sorted(groups, key=lambda g: (g.key is None, g.label, g.key or ""))


def _figures(
    key: str | None, label: str, members: list[Values], today: int, population: int | None = None
) -> Figures:
    total = Values()
    for values in members:
        total.add(values)
    median, p90 = total.hours.percentiles(0.5, 0.9)
    row: dict[str, Any] = {
        **total.counts,
        "median": median,
        "p90": p90,
        "overdue": total.due.count_below(today),
    }
    return figures_of(key, label, row, population)


# --- the answer ------------------------------------------------------------------------------------------


def from_cells(
    jurisdiction: Jurisdiction, f: RequestFilter, grouping: Grouping | None, tz, now: datetime
) -> tuple[Figures, list[Figures]] | None:
    """The figures from the cells, or None when they cannot say them (or are not built)."""
    selection = _selection(jurisdiction, f)
    if selection is None:
        return None
    group_view = _group_view(grouping)
    if group_view is not None and selection.view not in ("", group_view):
        return None
    if not rollups.fold(jurisdiction, limit=rollups.INLINE_FOLD_LIMIT):
        return None
    pieces = _pieces(f, tz, by_day=grouping is not None and grouping.name == "week")
    today = now.astimezone(tz).date().toordinal()
    rows = _rows(jurisdiction, selection.view, selection.keys, pieces)
    rows += _due_today(jurisdiction, selection.view, selection.keys, f, tz, now)
    everything = [v for _, _, v in rows]
    total = _figures(None, _("All requests"), everything, today)
    if grouping is None:
        return total, []
    if group_view is not None and group_view != selection.view:
        rows = _rows(jurisdiction, group_view, None, pieces)
        rows += _due_today(jurisdiction, group_view, None, f, tz, now)
    namer = _Namer(jurisdiction, grouping)
    members: dict[str | None, list[Values]] = defaultdict(list)
    labels: dict[str | None, tuple[str, int | None]] = {}
    for period, key, values in rows:
        found = namer.group(period, key)
        if found is not None:
            members[found[0]].append(values)
            labels[found[0]] = (found[1], found[2])
    groups = [_figures(name, labels[name][0], m, today, labels[name][1]) for name, m in members.items()]
    if grouping.name == DISTRICT and selection.view != "district":
        # Requests in no district of the kind: the city's less the districts' (the histograms subtract too).
        outside = Values()
        for values in everything:
            outside.add(values)
        for group in members.values():
            for values in group:
                outside.add(values, sign=-1)
        if outside.counts["requests"] > 0:
            label = _("In no %(kind)s") % {"kind": grouping.kind.replace("_", " ")}
            groups.append(_figures(None, label, [outside], today))
    return total, namer.sort(groups)


def flow(jurisdiction: Jurisdiction, f: RequestFilter, tz) -> list[figures.Flow]:
    """Opened and closed each week, and the backlog (figures.flow), from the cells where they can say it."""
    selection = _selection(jurisdiction, f)
    if selection is None or not rollups.fold(jurisdiction, limit=rollups.INLINE_FOLD_LIMIT):
        return figures.flow(filters.matching(jurisdiction, f), tz)
    rows = _rows(jurisdiction, selection.view, selection.keys, _pieces(f, tz, by_day=True))
    opened: dict[date, int] = defaultdict(int)
    closed = Values().closed_on
    for period, _key, values in rows:
        opened[period - timedelta(days=period.weekday())] += values.counts["requests"]
        closed.extend(values.closed_on)
    closed_by: dict[date, int] = defaultdict(int)
    for ordinal, n in closed.as_pairs().items():
        day = date.fromordinal(ordinal)
        closed_by[day - timedelta(days=day.weekday())] += n
    return figures.weekly(opened, closed_by)
