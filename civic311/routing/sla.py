"""Service-level-agreement clocks: when a request falls due, counting only the hours crews work.

Pure functions over aware datetimes, with no models and no database, so that the routing engine, the
SLA task and the tests can all call them. The conventions, each chosen once and kept here:

- **Working hours are wall-clock times in the jurisdiction's zone** (``WorkingHours.tz``). Each weekday
  has sorted, non-overlapping ``(start, end)`` intervals. An interval is half-open: ``start`` is working
  time and ``end`` is not. Intervals may touch (08:00-12:00, 12:00-17:00). An interval stays inside one
  local day. ``end == time(0)`` means midnight at the *end* of that day (24:00), so
  ``(time(0), time(0))`` is the whole day. A night shift is written as two intervals: ``(time(22),
  time(0))`` on one day and ``(time(0), time(6))`` on the next.
- **Elapsed time is real time.** Each boundary becomes an instant in the zone, and time is measured
  between instants, in UTC. So a 00:00-24:00 day holds 23 real hours when the clocks spring forward and
  25 when they fall back, and 24 hours after Saturday noon before spring-forward is Sunday 13:00.
- **A boundary missing from the wall clock** (in the spring-forward gap, e.g. 02:30 in Chicago on
  2026-03-08) is the first instant after the gap (03:00 CDT). **An ambiguous boundary** (in the
  fall-back overlap, e.g. 01:30 on 2026-11-01) is its first occurrence (fold=0, 01:30 CDT). Both cases
  follow one rule: a boundary is the first instant at which the local clock reads that time or later. So
  no boundary ever fails to resolve. An interval partly in the gap shrinks: 02:30-10:00 on 2026-03-08
  holds 7 real hours. An interval wholly inside the gap vanishes: 02:10-02:40 that day holds nothing.
  Once resolved, an interval is one unbroken stretch of real time. When the clocks fall back inside
  it, the repeated hour is worked: 01:30-09:00 on 2026-11-01 runs from 01:30 CDT to 09:00 CST, 8.5
  real hours. When it ends at an ambiguous time, it ends at the first occurrence: 00:00-01:30 that day
  holds 1.5 real hours, and the second 01:00-01:30 (CST) is not worked.
- **Holidays are local dates**, and the whole local day is closed.
- **A due time at the end of a shift stays there.** When a positive duration runs out exactly as an
  interval ends, the result is that end, not the next opening: Friday 16:00 + 1 h is Friday 17:00, not
  Monday 08:00. So the moment just before a positive result is always working time
  (``is_working_time(result - 1 µs)``), and the result itself is working time or an interval's end.
- **Adding zero returns the start unchanged.** ``add_business_time(start, 0)`` is ``start`` even at
  20:00 on a Sunday. Any positive duration starts counting at ``next_working_moment(start)``. The result
  therefore jumps between zero and the smallest positive duration. That is deliberate: with no time
  allowed, a request is due when it arrives, and ``add(add(s, a), b) == add(s, a + b)`` still holds for
  every a, b >= 0.
- Results are aware datetimes in UTC. Time is stored in UTC, and showing it in the local zone is the
  caller's job. Compare them with UTC datetimes too. By PEP 495, a local time in a gap or a fold never
  equals a datetime in another zone, not even at the same instant.
- Arithmetic is exact to the microsecond (``timedelta``), so
  ``business_time_between(s, add_business_time(s, d, h), h) == d`` holds exactly, with no tolerance.
- The calendar is walked one day at a time, never minute by minute. A search that finds no working
  time in 5 years raises ValueError instead of looping forever.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Self
from zoneinfo import ZoneInfo

MIDNIGHT = time(0)
ONE_DAY = timedelta(days=1)
ZERO = timedelta(0)
ONE_MICROSECOND = timedelta(microseconds=1)
# WorkingHours.standard(): the usual office day, Monday to Friday.
OPENS = time(8)
CLOSES = time(17)
MONDAY_TO_FRIDAY = range(5)
# Five years in a row of days with no working time means a mistake (say, every working day made a
# holiday), not a real schedule. Past this, a search stops with an error instead of running forever.
MAX_IDLE_DAYS = 5 * 366

Interval = tuple[time, time]
Span = tuple[datetime, datetime]  # an interval on one date, as two UTC instants: [start, end)


@dataclass(frozen=True)
class WorkingHours:
    """When a jurisdiction's crews work: per weekday (0 = Monday) a tuple of (start, end) wall-clock
    intervals in the jurisdiction's zone, and the holidays when nobody works.

    ``end == time(0)`` means midnight at the end of the day; see the module docstring for the rest.
    A missing weekday is closed. The constructor copies ``weekly``, so changing the caller's dict
    afterwards changes nothing. Equality and hashing use a tuple form of the schedule, so that
    equal schedules are equal however they were written (``{5: ()}`` and ``{}`` are the same), and so
    that a WorkingHours can serve as a cache key.
    """

    tz: ZoneInfo
    weekly: dict[int, tuple[tuple[time, time], ...]] = field(compare=False)
    holidays: frozenset[date] = frozenset()
    # The schedule indexed by weekday, 0..6, each entry the intervals of that day (empty when closed).
    _schedule: tuple[tuple[Interval, ...], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.tz, tzinfo):
            raise ValueError(
                f"WorkingHours: tz must be a time zone such as ZoneInfo('America/Chicago'), got {self.tz!r}"
            )
        if not isinstance(self.weekly, Mapping):
            raise ValueError(
                f"WorkingHours: weekly must map weekdays to intervals, such as "
                f"{{0: ((time(8), time(17)),)}}, got {self.weekly!r}"
            )
        weekly = {_checked_weekday(day): _checked_intervals(day, given) for day, given in self.weekly.items()}
        object.__setattr__(self, "weekly", weekly)
        object.__setattr__(self, "holidays", _checked_holidays(self.holidays))
        object.__setattr__(self, "_schedule", tuple(weekly.get(day, ()) for day in range(7)))

    @classmethod
    def standard(
        cls,
        tz: ZoneInfo,
        start: time = OPENS,
        end: time = CLOSES,
        weekdays: Iterable[int] = MONDAY_TO_FRIDAY,
        holidays: Iterable[date] = (),
    ) -> Self:
        """The same single interval on each of `weekdays`: by default 08:00-17:00, Monday to Friday."""
        return cls(tz, {day: ((start, end),) for day in weekdays}, frozenset(holidays))

    @property
    def has_working_time(self) -> bool:
        """Whether any weekday has an interval (a schedule may still lose every day to holidays)."""
        return any(self._schedule)


def add_business_time(start: datetime, duration: timedelta, hours: WorkingHours) -> datetime:
    """The moment when `duration` of working time has passed since `start` (aware datetime, any zone).
    Returns an aware datetime in UTC. duration 0 returns start itself (normalised to UTC) even outside hours.
    Raises ValueError for a naive start, a negative duration, or WorkingHours with no working time at all."""
    moment = _as_utc(start, "start")
    if duration < ZERO:
        raise ValueError(f"duration must not be negative, got {duration}")
    _require_working_time(hours)
    if not duration:
        return moment
    remaining = duration
    for span_start, span_end in _spans_from(moment, hours):
        length = span_end - span_start
        # `<=` rather than `<`: a duration that runs out exactly at closing is due at closing.
        if remaining <= length:
            return span_start + remaining
        remaining -= length
    raise AssertionError("_spans_from() either yields forever or raises")  # pragma: no cover


def business_time_between(start: datetime, end: datetime, hours: WorkingHours) -> timedelta:
    """Working time elapsed from start to end (0 if end <= start)."""
    first, last = _as_utc(start, "start"), _as_utc(end, "end")
    if last <= first:
        return ZERO
    total = ZERO
    # Walks the local dates between the two, with a day to spare at each side; nothing here searches
    # for working time, so an empty schedule just gives zero.
    day = _local_date(first, hours.tz) - ONE_DAY
    final_day = _local_date(last, hours.tz) + ONE_DAY
    while day <= final_day:
        for span_start, span_end in _day_spans(hours, day):
            overlap = min(span_end, last) - max(span_start, first)
            if overlap > ZERO:
                total += overlap
        day += ONE_DAY
    return total


def is_working_time(at: datetime, hours: WorkingHours) -> bool:
    """Whether crews are at work at `at`: inside an interval, counting its start and not its end."""
    moment = _as_utc(at, "at")
    day = _local_date(moment, hours.tz)
    return any(
        span_start <= moment < span_end
        for candidate in (day - ONE_DAY, day)
        for span_start, span_end in _day_spans(hours, candidate)
    )


def next_working_moment(at: datetime, hours: WorkingHours) -> datetime:
    """`at` itself when it is working time, else the start of the next working interval (UTC)."""
    moment = _as_utc(at, "at")
    _require_working_time(hours)
    for span_start, _ in _spans_from(moment, hours):
        return span_start
    raise AssertionError("_spans_from() either yields forever or raises")  # pragma: no cover


def due_at(start: datetime, duration: timedelta, hours: WorkingHours | None) -> datetime:
    """Calendar time when hours is None (start + duration, in UTC), business time otherwise.

    Calendar time is real elapsed time too. Writing ``start + duration`` on a start in a zone would
    add to the wall clock, and 24 h after Saturday noon across spring-forward would then be 23 real
    hours. Adding in UTC keeps 24 h as 24 real hours."""
    if hours is not None:
        return add_business_time(start, duration, hours)
    moment = _as_utc(start, "start")
    if duration < ZERO:
        raise ValueError(f"duration must not be negative, got {duration}")
    return moment + duration


# --- the calendar, one day at a time ------------------------------------------------------------------


def _spans_from(moment: datetime, hours: WorkingHours) -> Iterator[Span]:
    """The working spans not yet over at `moment` (UTC), in order, the first clipped to begin no earlier.

    Never ends of its own accord: raises ValueError after MAX_IDLE_DAYS days in a row without work."""
    # Start a day early. That costs one day, and means no one has to prove that a DST change at
    # local midnight (some zones change then) never puts part of the previous day's span after `moment`.
    day = _local_date(moment, hours.tz) - ONE_DAY
    idle_days = 0
    while idle_days <= MAX_IDLE_DAYS:
        spans = [(max(span_start, moment), span_end) for span_start, span_end in _day_spans(hours, day)]
        spans = [(span_start, span_end) for span_start, span_end in spans if span_end > span_start]
        yield from spans
        idle_days = 0 if spans else idle_days + 1
        day = _next_day(day)
    raise ValueError(
        f"no working time within 5 years after {moment.isoformat()}: are all of the working days holidays?"
    )


def _day_spans(hours: WorkingHours, day: date) -> tuple[Span, ...]:
    """The working intervals of one local date as UTC instants; empty ones (inside a DST gap) dropped."""
    if day in hours.holidays:
        return ()
    spans = []
    for start, end in hours._schedule[day.weekday()]:
        span_start = _instant(datetime.combine(day, start), hours.tz)
        end_day = _next_day(day) if end == MIDNIGHT else day
        span_end = _instant(datetime.combine(end_day, end), hours.tz)
        if span_start < span_end:
            spans.append((span_start, span_end))
    return tuple(spans)


def _instant(wall: datetime, tz: tzinfo) -> datetime:
    """The first instant (UTC) at which the clock in `tz` reads `wall` (naive) or later.

    That is `wall` itself when it exists (its first occurrence when the clocks fall back and it repeats),
    and the end of the gap when the clocks spring forward over it."""
    # fold=0 is the first occurrence of an ambiguous wall time (PEP 495). For a wall time that does
    # not exist, it applies the offset from before the change, which lands *after* the gap.
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if _wall(first, tz) == wall:
        return first
    return _end_of_gap(wall, tz)


def _end_of_gap(wall: datetime, tz: tzinfo) -> datetime:
    """The instant the clocks jump over `wall`, a wall time in a spring-forward gap (UTC, to the µs).

    zoneinfo does not expose its transitions. The two readings of a missing wall time bracket the jump,
    though: fold=1 applies the offset from after the change, which lands before the gap; fold=0 lands
    after it. So a binary search between them finds the jump, in about 32 steps for a one-hour gap.
    This runs only for boundaries that fall inside a gap."""
    before = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    after = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if not _wall(before, tz) < wall <= _wall(after, tz):
        return after  # not a gap shaped as expected; fold=0's reading is still an instant after `wall`
    while after - before > ONE_MICROSECOND:
        middle = before + (after - before) // 2
        if _wall(middle, tz) >= wall:
            after = middle
        else:
            before = middle
    return after


def _wall(moment: datetime, tz: tzinfo) -> datetime:
    """What the clock in `tz` reads at `moment`, as a naive datetime."""
    return moment.astimezone(tz).replace(tzinfo=None)


def _local_date(moment: datetime, tz: tzinfo) -> date:
    return moment.astimezone(tz).date()


def _next_day(day: date) -> date:
    try:
        return day + ONE_DAY
    except OverflowError:
        raise ValueError(f"no working time before the end of the calendar ({day})") from None


# --- checking input ---------------------------------------------------------------------------------


def _as_utc(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be an aware datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be an aware datetime with a time zone, got naive {value.isoformat()}; "
            f"use datetime(..., tzinfo=ZoneInfo(...)) or datetime.now(UTC)"
        )
    return value.astimezone(UTC)


def _require_working_time(hours: WorkingHours) -> None:
    if not hours.has_working_time:
        raise ValueError(f"{hours!r} has no working time on any weekday, so nothing can ever fall due")


def _checked_weekday(day: Any) -> int:
    # bool is an int, and True would otherwise quietly mean Tuesday.
    if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6:
        raise ValueError(f"WorkingHours: weekday {day!r} is not one of 0 (Monday) .. 6 (Sunday)")
    return day


def _checked_intervals(day: int, given: Any) -> tuple[Interval, ...]:
    if not isinstance(given, Iterable) or isinstance(given, str):
        raise ValueError(f"WorkingHours: weekday {day} needs a tuple of (start, end) pairs, got {given!r}")
    intervals: list[Interval] = []
    for pair in given:
        if not (isinstance(pair, tuple | list) and len(pair) == 2 and all(isinstance(t, time) for t in pair)):
            raise ValueError(f"WorkingHours: weekday {day}: {pair!r} is not a (start, end) pair of times")
        if pair[0].tzinfo is not None or pair[1].tzinfo is not None:
            raise ValueError(
                f"WorkingHours: weekday {day}: {pair!r} must be naive wall-clock times; the zone is tz"
            )
        # fold carries no meaning here: ambiguous boundaries always resolve to the first occurrence.
        start, end = pair[0].replace(fold=0), pair[1].replace(fold=0)
        if _since_midnight(start) >= _until_end(end):
            raise ValueError(
                f"WorkingHours: weekday {day}: {_show(start, end)} does not end after it starts "
                f"(end time(0) means midnight at the end of the day; split a night shift over two days)"
            )
        if intervals and _since_midnight(start) < _until_end(intervals[-1][1]):
            raise ValueError(
                f"WorkingHours: weekday {day}: intervals must be sorted and must not overlap, "
                f"but {_show(start, end)} starts before {_show(*intervals[-1])} ends"
            )
        intervals.append((start, end))
    return tuple(intervals)


def _checked_holidays(given: Any) -> frozenset[date]:
    if not isinstance(given, Iterable):
        raise ValueError(f"WorkingHours: holidays must be a set of dates, got {given!r}")
    holidays = frozenset(given)
    for holiday in holidays:
        # A datetime is a date to isinstance(), but it never equals one, so it would never match a day.
        if not isinstance(holiday, date) or isinstance(holiday, datetime):
            raise ValueError(f"WorkingHours: holiday {holiday!r} is not a date (local to tz)")
    return holidays


def _since_midnight(moment: time) -> timedelta:
    return timedelta(
        hours=moment.hour, minutes=moment.minute, seconds=moment.second, microseconds=moment.microsecond
    )


def _until_end(end: time) -> timedelta:
    """An interval's end as time since midnight, where time(0) is 24:00 (the end of the day)."""
    return ONE_DAY if end == MIDNIGHT else _since_midnight(end)


def _show(start: time, end: time) -> str:
    def text(moment: time) -> str:
        return moment.isoformat("minutes" if not (moment.second or moment.microsecond) else "auto")

    return f"{text(start)}-{'24:00' if end == MIDNIGHT else text(end)}"
