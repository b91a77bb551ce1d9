"""Rollups: the figures of the public requests kept per day and per month of the city's calendar, over the
city and by one dimension (a view: service, department, channel, district), so that a figure at ten million
requests adds up a few thousand cells instead of grouping ten million rows.

Each cell holds the counts that add up (figures.COUNTS), a log-bucket histogram of the closed requests'
hours to close (histograms.py: percentiles within 1 %) and the open requests' expected days (for
"overdue now"). A day cell is always recomputed whole from the requests (never incremented), and a month
cell is the sum of its days, so folding a change in twice, or late, gives the same cells.

They follow the events: every change to a request writes one (the domain's rule), so the cells a new event
touches are its request's day in each view (and, for a re-route, the department it left). `fold`
recomputes those and moves the jurisdiction's mark past the events. The worker folds every minute
(looking back RESCAN_EVENTS, for a transaction that committed after a later one), and a read folds what is
left first, so the figures include every committed change. Until a jurisdiction is built (`build`:
`civic311 init`, the worker, `civic311 rollups --build`) the exact path answers (figures.py).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import CharField, Count, F, Max, Min, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone

from civic311.analytics import histograms
from civic311.analytics.figures import COUNTS, counts
from civic311.analytics.models import Cell, FoldState
from civic311.catalog.models import Jurisdiction
from civic311.lib.aggregates import HoursBetween, LogBucket
from civic311.servicerequests.choices import CLOSED, OPEN, EventKind
from civic311.servicerequests.models import Event, ServiceRequest

VIEWS = ("", "service", "department", "channel", "district")
INLINE_FOLD_LIMIT = 2000  # more events pending than this: a read leaves them to the worker
RESCAN_EVENTS = 500  # the worker looks this far back for events that committed late


@dataclass
class Values:
    """A cell's figures while they are added up."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    hours: histograms.Merged = field(default_factory=histograms.Merged)
    due: histograms.Merged = field(default_factory=histograms.Merged)
    closed_on: histograms.Merged = field(default_factory=histograms.Merged)

    def add_cell(self, cell: Cell) -> None:
        for name in COUNTS:
            self.counts[name] += getattr(cell, name)
        self.hours.add(cell.hours)
        self.due.add(cell.due)
        self.closed_on.add(cell.closed_on)

    def add(self, other: "Values", sign: int = 1) -> None:
        for name in COUNTS:
            self.counts[name] += sign * other.counts[name]
        self.hours.extend(other.hours, sign)
        self.due.extend(other.due, sign)
        self.closed_on.extend(other.closed_on, sign)


# --- computing cells from the requests ------------------------------------------------------------------


def requests_of(jurisdiction: Jurisdiction) -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.public().of(jurisdiction).order_by()


def _key(view: str):
    if view == "":
        return Value("", output_field=CharField())
    if view == "service":
        return Cast("service_id", CharField())
    if view == "department":
        return Coalesce(Cast("department_id", CharField()), Value(""), output_field=CharField())
    if view == "channel":
        return F("channel")
    return Cast("districts__id", CharField())


def day_and_key(view: str, tz) -> tuple:
    """What every cell query groups by: the city's day of filing, and the view's key."""
    return TruncDate("requested_datetime", tzinfo=tz), _key(view)


def of_keys(qs: QuerySet[ServiceRequest], view: str, keys: Iterable[str] | None) -> QuerySet[ServiceRequest]:
    if view == "":
        return qs
    if keys is None:
        return qs.filter(districts__isnull=False) if view == "district" else qs
    keys = list(keys)
    if view == "service":
        return qs.filter(service_id__in=[int(k) for k in keys])
    if view == "department":
        ids = [int(k) for k in keys if k]
        return (
            qs.filter(Q(department_id__in=ids) | Q(department__isnull=True))
            if "" in keys
            else qs.filter(department_id__in=ids)
        )
    if view == "channel":
        return qs.filter(channel__in=keys)
    return qs.filter(districts__id__in=[int(k) for k in keys])


def compute(
    jurisdiction: Jurisdiction, view: str, start: datetime, end: datetime, keys: Iterable[str] | None = None
) -> dict[tuple[date, str], Values]:
    """The cells of the requests filed in [start, end) (any instants), by the city's day and view key."""
    tz = jurisdiction.tz
    filed = requests_of(jurisdiction).filter(requested_datetime__gte=start, requested_datetime__lt=end)
    day, key = day_and_key(view, tz)
    qs: Any = of_keys(filed, view, keys).annotate(
        day=day, k=key
    )  # Any: the stubs cannot follow the annotations
    out: dict[tuple[date, str], Values] = defaultdict(Values)
    for row in qs.values("day", "k").annotate(**counts()):
        found: dict = dict(row)
        out[(found["day"], found["k"])].counts = {name: found[name] for name in COUNTS}
    hours: dict[tuple[date, str], dict[int, int]] = defaultdict(dict)
    closed = qs.filter(status=CLOSED, closed_datetime__isnull=False).annotate(
        b=LogBucket(
            HoursBetween("requested_datetime", "closed_datetime"), histograms.MIN_HOURS, histograms.GAMMA
        )
    )
    for row in closed.values("day", "k", "b").annotate(n=Count("pk")):
        hours[(row["day"], row["k"])][row["b"]] = row["n"]
    due: dict[tuple[date, str], dict[int, int]] = defaultdict(dict)
    waiting = qs.filter(status=OPEN, expected_datetime__isnull=False).annotate(
        on=TruncDate("expected_datetime", tzinfo=tz)
    )
    for row in waiting.values("day", "k", "on").annotate(n=Count("pk")):
        due[(row["day"], row["k"])][row["on"].toordinal()] = row["n"]
    closed_on: dict[tuple[date, str], dict[int, int]] = defaultdict(dict)
    for row in (
        closed.annotate(on=TruncDate("closed_datetime", tzinfo=tz))
        .values("day", "k", "on")
        .annotate(n=Count("pk"))
    ):
        closed_on[(row["day"], row["k"])][row["on"].toordinal()] = row["n"]
    for where, pairs in closed_on.items():
        out[where].closed_on.add_pairs(pairs)
    for where, pairs in hours.items():
        out[where].hours.add_pairs(pairs)
    for where, pairs in due.items():
        out[where].due.add_pairs(pairs)
    return out


# --- writing cells ------------------------------------------------------------------------------------------


def midnight(day: date, tz) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def _cell(jurisdiction: Jurisdiction, view: str, grain: str, period: date, key: str, values: Values) -> Cell:
    return Cell(
        jurisdiction=jurisdiction,
        view=view,
        key=key,
        grain=grain,
        period=period,
        hours=histograms.encode(values.hours.as_pairs()),
        due=histograms.encode(values.due.as_pairs()),
        closed_on=histograms.encode(values.closed_on.as_pairs()),
        **values.counts,
    )


def _replace(
    jurisdiction: Jurisdiction, view: str, grain: str, cells: dict[tuple[date, str], Values], wanted: set
) -> None:
    """Make exactly the `wanted` (period, key) cells those of `cells` (a wanted cell with none left goes)."""
    existing = Cell.objects.filter(jurisdiction=jurisdiction, view=view, grain=grain)
    for period in {p for p, _ in wanted}:
        existing.filter(period=period, key__in=[k for p, k in wanted if p == period]).delete()
    Cell.objects.bulk_create(
        [
            _cell(jurisdiction, view, grain, period, key, cells[(period, key)])
            for period, key in wanted
            if (period, key) in cells and cells[(period, key)].counts["requests"]
        ],
        batch_size=2000,
    )


def _months_from_days(jurisdiction: Jurisdiction, view: str, months: set[tuple[date, str]]) -> None:
    summed: dict[tuple[date, str], Values] = defaultdict(Values)
    for first, key in months:
        days = Cell.objects.filter(
            jurisdiction=jurisdiction,
            view=view,
            grain=Cell.DAY,
            key=key,
            period__gte=first,
            period__lt=next_month(first),
        )
        for cell in days:
            summed[(first, key)].add_cell(cell)
    _replace(jurisdiction, view, Cell.MONTH, summed, months)


def build(jurisdiction: Jurisdiction) -> int:
    """Every cell of the jurisdiction from its requests, a month per transaction (a long build holds no
    lock for long); returns the day cells written. Changes made meanwhile have events past the mark taken
    first, which the next fold takes in."""
    tz = jurisdiction.tz
    state, _ = FoldState.objects.get_or_create(jurisdiction=jurisdiction)
    mark = Event.objects.aggregate(m=Max("pk"))["m"] or 0
    FoldState.objects.filter(pk=state.pk).update(built_at=None)
    Cell.objects.filter(jurisdiction=jurisdiction).delete()
    span = requests_of(jurisdiction).aggregate(
        first=Min(TruncDate("requested_datetime", tzinfo=tz)),
        last=Max(TruncDate("requested_datetime", tzinfo=tz)),
    )
    written = 0
    first = month_of(span["first"]) if span["first"] is not None else None
    while first is not None and first <= span["last"]:
        following = next_month(first)
        with transaction.atomic():
            for view in VIEWS:
                cells = compute(jurisdiction, view, midnight(first, tz), midnight(following, tz))
                _replace(jurisdiction, view, Cell.DAY, cells, set(cells))
                months: dict[tuple[date, str], Values] = defaultdict(Values)
                for (day, key), values in cells.items():
                    months[(month_of(day), key)].add(values)
                _replace(jurisdiction, view, Cell.MONTH, months, set(months))
                written += len(cells)
        first = following
    FoldState.objects.filter(pk=state.pk).update(built_at=timezone.now(), last_event_id=mark)
    return written


# --- following the events -----------------------------------------------------------------------------------


def _dirty(jurisdiction: Jurisdiction, events: list[tuple[int, int, str, dict]]) -> dict[str, set]:
    """The (day, key) cells of each view that these events' requests lie in, and those they left: the
    department a re-route left (its `before`), and what an import's correction changed (its `changed`:
    old filing time, service, channel, districts)."""
    tz = jurisdiction.tz
    ids = {request_id for _, request_id, _, _ in events}
    rows = ServiceRequest.objects.filter(pk__in=ids, jurisdiction=jurisdiction).values_list(
        "pk", "requested_datetime", "service_id", "department_id", "channel"
    )
    districts: dict[int, set[str]] = defaultdict(set)
    through = ServiceRequest.districts.through.objects.filter(servicerequest_id__in=ids)
    for request_id, district_id in through.values_list("servicerequest_id", "district_id"):
        districts[request_id].add(str(district_id))
    left: dict[int, set[str]] = defaultdict(set)
    former: dict[int, list[dict]] = defaultdict(list)
    for _, request_id, kind, data in events:
        if not isinstance(data, dict):
            continue
        if kind == EventKind.ROUTED and "before" in data:
            before = (data.get("before") or {}).get("department")
            left[request_id].add("" if before is None else str(before))
        if kind == EventKind.NOTE and isinstance(data.get("changed"), dict):
            former[request_id].append({name: pair[0] for name, pair in data["changed"].items()})
    dirty: dict[str, set] = {view: set() for view in VIEWS}
    for pk, requested, service_id, department_id, channel in rows:
        departments = {"" if department_id is None else str(department_id), *left[pk]}
        states = [(requested, str(service_id), channel, districts[pk])]
        for old in former[pk]:
            states.append(
                (
                    datetime.fromisoformat(old["requested_datetime"])
                    if old.get("requested_datetime")
                    else requested,
                    str(old.get("service_id") or service_id),
                    old.get("channel") or channel,
                    {str(d) for d in old["district_ids"]} if "district_ids" in old else districts[pk],
                )
            )
            if "department_id" in old:
                departments.add("" if old["department_id"] is None else str(old["department_id"]))
        for when, service, way, places in states:
            day = timezone.localtime(when, tz).date()
            dirty[""].add((day, ""))
            dirty["service"].add((day, service))
            dirty["channel"].add((day, way))
            dirty["department"] |= {(day, department) for department in departments}
            dirty["district"] |= {(day, district) for district in places}
    return dirty


def _recompute(jurisdiction: Jurisdiction, dirty: dict[str, set]) -> None:
    tz = jurisdiction.tz
    for view, cells in dirty.items():
        for day in sorted({d for d, _ in cells}):
            keys = {k for d, k in cells if d == day}
            wanted = {(day, k) for k in keys}
            computed = compute(
                jurisdiction, view, midnight(day, tz), midnight(day + timedelta(days=1), tz), keys
            )
            _replace(jurisdiction, view, Cell.DAY, computed, wanted)
        _months_from_days(jurisdiction, view, {(month_of(d), k) for d, k in cells})


def fold(jurisdiction: Jurisdiction, *, rescan: int = 0, limit: int | None = None) -> bool:
    """Bring the jurisdiction's cells up to its latest events. False when it is not built, or (with a
    limit) more events wait than that: then the exact path answers and the worker folds."""
    with transaction.atomic():
        state = FoldState.objects.select_for_update().filter(jurisdiction=jurisdiction).first()
        if state is None or state.built_at is None:
            return False
        since = max(0, state.last_event_id - rescan)
        events = Event.objects.filter(pk__gt=since, request__jurisdiction=jurisdiction)
        if limit is not None and events.filter(pk__gt=state.last_event_id).count() > limit:
            return False
        found = list(events.order_by("pk").values_list("pk", "request_id", "kind", "data"))
        if found:
            _recompute(jurisdiction, _dirty(jurisdiction, found))
            state.last_event_id = max(state.last_event_id, found[-1][0])
            state.save(update_fields=["last_event_id"])
    return True


def pending(jurisdiction: Jurisdiction) -> bool | None:
    """Whether events wait to be folded (None: the jurisdiction is not built). One indexed read."""
    state = (
        FoldState.objects.filter(jurisdiction=jurisdiction).values_list("built_at", "last_event_id").first()
    )
    if state is None or state[0] is None:
        return None
    return Event.objects.filter(pk__gt=state[1], request__jurisdiction=jurisdiction).exists()


def keep_up() -> None:
    """The worker's job: build what is not built, fold the rest (looking back for late commits)."""
    for jurisdiction in Jurisdiction.objects.all():
        if not fold(jurisdiction, rescan=RESCAN_EVENTS):
            build(jurisdiction)
