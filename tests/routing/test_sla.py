"""SLA clocks: when a request falls due, counting only the hours crews work, in real time across DST."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civic311.routing.sla import (
    WorkingHours,
    add_business_time,
    business_time_between,
    due_at,
    is_working_time,
    next_working_moment,
)

CHICAGO = ZoneInfo("America/Chicago")
WARSAW = ZoneInfo("Europe/Warsaw")
HOUR = timedelta(hours=1)
MICROSECOND = timedelta(microseconds=1)
OFFICE = WorkingHours.standard(CHICAGO)  # 08:00-17:00, Monday to Friday
SPLIT = WorkingHours(CHICAGO, {day: ((time(8), time(12)), (time(13), time(17))) for day in range(5)})
ROUND_THE_CLOCK = WorkingHours.standard(CHICAGO, time(0), time(0), range(7))
MLK_DAY = date(2026, 1, 19)  # a Monday


def chicago(year, month, day, hour=0, minute=0, *, fold=0):
    """A Chicago wall-clock time as a UTC instant, so that comparisons are of instants.

    Two aware datetimes in the same ZoneInfo compare by wall time and ignore fold, so 01:00 CDT and
    01:00 CST would be "equal"; in UTC they are an hour apart, as they should be."""
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO, fold=fold).astimezone(UTC)


# --- everyday examples (08:00-17:00 Monday to Friday in Chicago unless a test says otherwise) -----


def test_two_working_hours_from_friday_at_four_is_monday_at_nine():
    friday = chicago(2026, 1, 9, 16)
    assert add_business_time(friday, 2 * HOUR, OFFICE) == chicago(2026, 1, 12, 9)
    assert business_time_between(friday, chicago(2026, 1, 12, 9), OFFICE) == 2 * HOUR


def test_a_duration_that_runs_out_at_closing_is_due_at_closing_not_at_the_next_opening():
    assert add_business_time(chicago(2026, 1, 9, 16), HOUR, OFFICE) == chicago(2026, 1, 9, 17)


def test_a_start_before_opening_counts_from_opening():
    tuesday_early = chicago(2026, 1, 13, 6)
    assert add_business_time(tuesday_early, HOUR, OFFICE) == chicago(2026, 1, 13, 9)
    assert business_time_between(tuesday_early, chicago(2026, 1, 13, 9), OFFICE) == HOUR


def test_a_start_on_saturday_counts_from_monday_at_eight():
    saturday = chicago(2026, 1, 10, 10)
    assert next_working_moment(saturday, OFFICE) == chicago(2026, 1, 12, 8)
    assert add_business_time(saturday, 30 * timedelta(minutes=1), OFFICE) == chicago(2026, 1, 12, 8, 30)


def test_a_holiday_monday_is_skipped():
    hours = WorkingHours.standard(CHICAGO, holidays=[MLK_DAY])
    friday = chicago(2026, 1, 16, 16)
    assert add_business_time(friday, 2 * HOUR, hours) == chicago(2026, 1, 20, 9)
    assert business_time_between(friday, chicago(2026, 1, 20, 9), hours) == 2 * HOUR
    assert not is_working_time(chicago(2026, 1, 19, 10), hours)


def test_a_start_in_the_lunch_gap_counts_from_the_afternoon():
    assert add_business_time(chicago(2026, 1, 13, 12, 30), HOUR, SPLIT) == chicago(2026, 1, 13, 14)
    assert business_time_between(chicago(2026, 1, 13, 12, 30), chicago(2026, 1, 13, 14), SPLIT) == HOUR


def test_a_duration_that_runs_into_lunch_resumes_after_it():
    assert add_business_time(chicago(2026, 1, 13, 11, 30), HOUR, SPLIT) == chicago(2026, 1, 13, 13, 30)


def test_a_zero_duration_at_eight_in_the_evening_is_due_at_eight_in_the_evening_in_utc():
    evening = datetime(2026, 1, 13, 20, tzinfo=CHICAGO)
    due = add_business_time(evening, timedelta(0), OFFICE)
    assert due == evening
    assert due.tzinfo is UTC


def test_the_smallest_positive_duration_starts_counting_at_the_next_opening():
    # Adding zero keeps the start, adding a microsecond jumps to the next morning: the clock is
    # discontinuous at zero by design (see the module docstring).
    evening = chicago(2026, 1, 13, 20)
    assert add_business_time(evening, MICROSECOND, OFFICE) == chicago(2026, 1, 14, 8) + MICROSECOND


def test_intervals_that_touch_count_as_one_stretch():
    hours = WorkingHours(CHICAGO, {1: ((time(8), time(12)), (time(12), time(17)))})
    assert add_business_time(chicago(2026, 1, 13, 11), 2 * HOUR, hours) == chicago(2026, 1, 13, 13)
    assert is_working_time(chicago(2026, 1, 13, 12), hours)


def test_a_night_shift_written_over_two_days_runs_on_past_midnight():
    hours = WorkingHours(CHICAGO, {0: ((time(22), time(0)),), 1: ((time(0), time(6)),)})
    monday_late = chicago(2026, 1, 12, 23)
    assert add_business_time(monday_late, 2 * HOUR, hours) == chicago(2026, 1, 13, 1)
    assert business_time_between(chicago(2026, 1, 12), chicago(2026, 1, 14), hours) == 8 * HOUR


def test_thirty_working_days_from_a_monday_morning_end_six_fridays_later_at_closing():
    assert add_business_time(chicago(2026, 1, 12, 8), 30 * 9 * HOUR, OFFICE) == chicago(2026, 2, 20, 17)


def test_opening_time_is_working_time_and_closing_time_is_not():
    assert is_working_time(chicago(2026, 1, 13, 8), OFFICE)
    assert is_working_time(chicago(2026, 1, 13, 17) - MICROSECOND, OFFICE)
    assert not is_working_time(chicago(2026, 1, 13, 17), OFFICE)


def test_the_next_working_moment_during_working_time_is_now():
    now = chicago(2026, 1, 13, 10, 15)
    assert next_working_moment(now, OFFICE) == now


def test_the_zone_a_start_is_written_in_does_not_matter():
    in_chicago = datetime(2026, 1, 9, 16, tzinfo=CHICAGO)
    in_warsaw = in_chicago.astimezone(WARSAW)
    assert add_business_time(in_warsaw, 2 * HOUR, OFFICE) == add_business_time(in_chicago, 2 * HOUR, OFFICE)


def test_due_at_uses_working_hours_when_it_has_them():
    friday = chicago(2026, 1, 9, 16)
    assert due_at(friday, 2 * HOUR, OFFICE) == chicago(2026, 1, 12, 9)


def test_due_at_without_working_hours_adds_real_time_not_wall_clock_time():
    # Python's own `aware + timedelta` adds to the wall clock: Saturday noon + 24 h would be Sunday noon,
    # 23 real hours later across spring-forward. An SLA of 24 hours means 24 real hours.
    saturday_noon = datetime(2026, 3, 7, 12, tzinfo=CHICAGO)
    assert due_at(saturday_noon, 24 * HOUR, None) == chicago(2026, 3, 8, 13)
    assert saturday_noon + 24 * HOUR == chicago(2026, 3, 8, 12)


# --- daylight saving time in Chicago: the clocks spring forward on 2026-03-08, fall back on 2026-11-01 ---


def test_a_round_the_clock_day_holds_23_real_hours_when_the_clocks_spring_forward():
    saturday_noon = chicago(2026, 3, 7, 12)
    assert add_business_time(saturday_noon, 24 * HOUR, ROUND_THE_CLOCK) == chicago(2026, 3, 8, 13)
    assert business_time_between(saturday_noon, chicago(2026, 3, 8, 13), ROUND_THE_CLOCK) == 24 * HOUR
    assert business_time_between(chicago(2026, 3, 8), chicago(2026, 3, 9), ROUND_THE_CLOCK) == 23 * HOUR


def test_a_round_the_clock_day_holds_25_real_hours_when_the_clocks_fall_back():
    saturday_noon = chicago(2026, 10, 31, 12)
    assert add_business_time(saturday_noon, 24 * HOUR, ROUND_THE_CLOCK) == chicago(2026, 11, 1, 11)
    assert business_time_between(saturday_noon, chicago(2026, 11, 1, 11), ROUND_THE_CLOCK) == 24 * HOUR
    assert business_time_between(chicago(2026, 11, 1), chicago(2026, 11, 2), ROUND_THE_CLOCK) == 25 * HOUR


def test_an_opening_time_inside_the_spring_forward_gap_opens_when_the_gap_ends():
    # 02:30 never happens on 2026-03-08: the clocks jump from 02:00 CST to 03:00 CDT.
    hours = WorkingHours(CHICAGO, {6: ((time(2, 30), time(10)),)})
    midnight = chicago(2026, 3, 8)
    assert next_working_moment(midnight, hours) == chicago(2026, 3, 8, 3)
    assert add_business_time(midnight, HOUR, hours) == chicago(2026, 3, 8, 4)
    assert business_time_between(midnight, chicago(2026, 3, 8, 4), hours) == HOUR
    assert business_time_between(midnight, chicago(2026, 3, 9), hours) == 7 * HOUR


def test_a_closing_time_inside_the_spring_forward_gap_closes_when_the_gap_ends():
    hours = WorkingHours(CHICAGO, {6: ((time(0), time(2, 30)),)})
    midnight = chicago(2026, 3, 8)
    assert business_time_between(midnight, chicago(2026, 3, 9), hours) == 2 * HOUR
    assert add_business_time(midnight, 2 * HOUR, hours) == chicago(2026, 3, 8, 3)
    assert is_working_time(chicago(2026, 3, 8, 3) - MICROSECOND, hours)
    assert not is_working_time(chicago(2026, 3, 8, 3), hours)


def test_an_interval_wholly_inside_the_spring_forward_gap_holds_no_time_that_day():
    hours = WorkingHours(CHICAGO, {6: ((time(2, 10), time(2, 40)),)})
    assert business_time_between(chicago(2026, 3, 8), chicago(2026, 3, 9), hours) == timedelta(0)
    assert next_working_moment(chicago(2026, 3, 8), hours) == chicago(2026, 3, 15, 2, 10)
    assert add_business_time(chicago(2026, 3, 8), HOUR, hours) == chicago(2026, 3, 22, 2, 40)


def test_an_ambiguous_opening_time_opens_at_its_first_occurrence():
    # 01:30 happens twice on 2026-11-01: at 01:30 CDT and again an hour later at 01:30 CST.
    hours = WorkingHours(CHICAGO, {6: ((time(1, 30), time(9)),)})
    midnight = chicago(2026, 11, 1)
    assert next_working_moment(midnight, hours) == chicago(2026, 11, 1, 1, 30, fold=0)
    # Half an hour after 01:30 CDT the clocks read 01:00 again, now CST.
    assert add_business_time(midnight, 30 * timedelta(minutes=1), hours) == chicago(2026, 11, 1, 1, fold=1)
    assert business_time_between(midnight, chicago(2026, 11, 2), hours) == 8 * HOUR + 30 * timedelta(
        minutes=1
    )


def test_an_ambiguous_closing_time_closes_at_its_first_occurrence():
    hours = WorkingHours(CHICAGO, {6: ((time(0), time(1, 30)),)})
    midnight = chicago(2026, 11, 1)
    assert business_time_between(midnight, chicago(2026, 11, 2), hours) == HOUR + 30 * timedelta(minutes=1)
    assert add_business_time(midnight, HOUR + 30 * timedelta(minutes=1), hours) == chicago(2026, 11, 1, 1, 30)
    assert not is_working_time(chicago(2026, 11, 1, 1, 30, fold=1), hours)


def test_office_hours_in_warsaw_keep_to_warsaw_clocks_across_its_change():
    # Warsaw springs forward on 2026-03-29, three weeks after Chicago: 08:00 is still 08:00 there.
    hours = WorkingHours.standard(WARSAW)
    friday = datetime(2026, 3, 27, 16, tzinfo=WARSAW)
    assert add_business_time(friday, 2 * HOUR, hours) == datetime(2026, 3, 30, 9, tzinfo=WARSAW)


# --- bad input ------------------------------------------------------------------------------------------

NAIVE = datetime(2026, 1, 13, 10)
AWARE = chicago(2026, 1, 13, 10)


@pytest.mark.parametrize(
    "call",
    [
        lambda: add_business_time(NAIVE, HOUR, OFFICE),
        lambda: business_time_between(NAIVE, AWARE, OFFICE),
        lambda: business_time_between(AWARE, NAIVE, OFFICE),
        lambda: is_working_time(NAIVE, OFFICE),
        lambda: next_working_moment(NAIVE, OFFICE),
        lambda: due_at(NAIVE, HOUR, None),
        lambda: due_at(NAIVE, HOUR, OFFICE),
    ],
)
def test_it_refuses_a_naive_datetime_and_says_so(call):
    with pytest.raises(ValueError, match="aware datetime"):
        call()


@pytest.mark.parametrize("hours", [OFFICE, None])
def test_it_refuses_a_negative_duration(hours):
    with pytest.raises(ValueError, match="must not be negative"):
        due_at(AWARE, -MICROSECOND, hours)


@pytest.mark.parametrize(
    ("weekly", "message"),
    [
        ({7: ((time(8), time(17)),)}, r"weekday 7 is not one of 0 \(Monday\) .. 6 \(Sunday\)"),
        ({-1: ((time(8), time(17)),)}, "weekday -1 is not one of"),
        ({True: ((time(8), time(17)),)}, "weekday True is not one of"),
        ({0: ((time(17), time(8)),)}, "17:00-08:00 does not end after it starts"),
        ({0: ((time(8), time(8)),)}, "08:00-08:00 does not end after it starts"),
        ({0: ((time(8), time(12)), (time(11), time(17)))}, "11:00-17:00 starts before 08:00-12:00 ends"),
        ({0: ((time(13), time(17)), (time(8), time(12)))}, "must be sorted and must not overlap"),
        ({0: ((time(22), time(0)), (time(23), time(1)))}, "23:00-01:00 does not end after it starts"),
        ({0: ((time(8), time(17), time(18)),)}, "is not a \\(start, end\\) pair of times"),
        ({0: (("08:00", "17:00"),)}, "is not a \\(start, end\\) pair of times"),
        ({0: ((time(8, tzinfo=UTC), time(17, tzinfo=UTC)),)}, "must be naive wall-clock times"),
    ],
)
def test_it_refuses_malformed_working_hours_and_says_what_is_wrong(weekly, message):
    with pytest.raises(ValueError, match=message):
        WorkingHours(CHICAGO, weekly)


def test_it_refuses_a_holiday_given_as_a_datetime_which_would_never_match_a_day():
    with pytest.raises(ValueError, match="is not a date"):
        WorkingHours.standard(CHICAGO, holidays=[datetime(2026, 1, 19)])


def test_it_refuses_a_time_zone_that_is_not_one():
    with pytest.raises(ValueError, match="tz must be a time zone"):
        WorkingHours("America/Chicago", {})  # type: ignore[arg-type]


def test_hours_with_no_working_time_cannot_make_anything_due_but_measure_zero():
    closed = WorkingHours(CHICAGO, {})
    with pytest.raises(ValueError, match="no working time on any weekday"):
        add_business_time(AWARE, HOUR, closed)
    with pytest.raises(ValueError, match="no working time on any weekday"):
        next_working_moment(AWARE, closed)
    assert business_time_between(AWARE, AWARE + 1000 * HOUR, closed) == timedelta(0)
    assert not is_working_time(AWARE, closed)


def test_it_gives_up_after_five_years_of_holidays_instead_of_looping_forever():
    mondays = [date(2026, 1, 12) + timedelta(weeks=week) for week in range(6 * 53)]
    hours = WorkingHours.standard(CHICAGO, weekdays=[0], holidays=mondays)
    with pytest.raises(ValueError, match="no working time within 5 years"):
        add_business_time(AWARE, HOUR, hours)
    # Measuring is bounded by its end, so it needs no such limit.
    assert business_time_between(AWARE, AWARE + 1000 * HOUR, hours) == timedelta(0)


def test_working_hours_are_equal_hashable_and_kept_from_later_changes_to_the_dict():
    weekly = {day: [(time(8), time(17))] for day in range(5)}
    hours = WorkingHours(CHICAGO, weekly)  # type: ignore[arg-type]
    weekly[5] = [(time(8), time(17))]
    assert hours == OFFICE
    assert hash(hours) == hash(OFFICE)
    assert WorkingHours(CHICAGO, {6: ()}) == WorkingHours(CHICAGO, {})
    assert hours.weekly[0] == ((time(8), time(17)),)
    assert {OFFICE: "cached"}[hours] == "cached"


# --- properties, over several years, DST days included, in Chicago and Warsaw ---------------------------


def _days_the_clocks_change(tz, years):
    days = []
    day = date(years[0], 1, 1)
    while day.year <= years[-1]:
        noon = datetime.combine(day, time(12), tzinfo=tz)
        if noon.utcoffset() != (noon + timedelta(days=1)).utcoffset():
            days.append(day + timedelta(days=1))
        day += timedelta(days=1)
    return days


YEARS = range(2025, 2030)
CLOCK_CHANGES = _days_the_clocks_change(CHICAGO, YEARS) + _days_the_clocks_change(WARSAW, YEARS)
assert len(CLOCK_CHANGES) == 4 * len(YEARS)

near_a_clock_change = st.builds(
    lambda day, shift: day + timedelta(days=shift), st.sampled_from(CLOCK_CHANGES), st.integers(-2, 1)
)
days = st.one_of(near_a_clock_change, st.dates(date(YEARS[0], 1, 1), date(YEARS[-1], 12, 31)))
on_the_minute = st.builds(time, st.integers(0, 23), st.integers(0, 59))
around_the_change = st.builds(time, st.integers(1, 3), st.sampled_from([0, 30, 59]))
moments = st.builds(
    lambda day, wall, tz, fold: datetime.combine(day, wall, tzinfo=tz).replace(fold=fold),
    days,
    st.one_of(on_the_minute, around_the_change, st.times()),
    st.sampled_from([CHICAGO, WARSAW, UTC]),
    st.integers(0, 1),
)
durations = st.one_of(
    st.integers(0, 200 * 60).map(lambda minutes: timedelta(minutes=minutes)),
    st.integers(0, 200 * 3600 * 10**6).map(lambda microseconds: timedelta(microseconds=microseconds)),
)


def _time_of(minutes):
    return time(0) if minutes == 24 * 60 else time(minutes // 60, minutes % 60)


ANY_SHIFT = st.integers(1, 8 * 60)


@st.composite
def intervals(draw, boundaries=ANY_SHIFT):
    """One day's intervals, built from alternating gaps and shifts in minutes (a gap of 0 touches)."""
    result, clock = [], 0
    for _ in range(draw(st.integers(0, 3))):
        start = clock + draw(st.integers(0, 6 * 60) if result else st.integers(0, 12 * 60))
        end = start + draw(boundaries)
        if end > 24 * 60:
            break
        result.append((_time_of(start), _time_of(end)))
        clock = end
    return tuple(result)


@st.composite
def working_hours(draw):
    tz = draw(st.sampled_from([CHICAGO, WARSAW]))
    holidays = draw(st.frozensets(st.one_of(near_a_clock_change, days), max_size=8))
    kind = draw(st.sampled_from(["office", "split", "round the clock", "any", "around 2 am"]))
    if kind == "office":
        start = draw(st.integers(0, 22))
        end = draw(st.integers(start + 1, 24))
        weekdays = draw(st.sets(st.integers(0, 6), min_size=1))
        return WorkingHours.standard(tz, time(start), _time_of(end * 60), weekdays, holidays)
    if kind == "split":
        return WorkingHours(tz, {d: ((time(8), time(12)), (time(13), time(17))) for d in range(5)}, holidays)
    if kind == "round the clock":
        return WorkingHours.standard(tz, time(0), time(0), range(7), holidays)
    shifts = intervals() if kind == "any" else intervals(st.sampled_from([30, 60, 90, 120]))
    weekly = {day: draw(shifts) for day in range(7)}
    if kind == "around 2 am":
        # Both zones change their clocks early on a Sunday, between 01:00 and 03:00: boundaries there
        # fall in a gap or a fold, and 02:30 and 02:45 both become 03:00 when the clocks spring forward.
        weekly[6] = ((time(1, 30), time(2, 30)), (time(2, 45), time(17)))
    if not any(weekly.values()):
        weekly[0] = ((time(8), time(17)),)
    return WorkingHours(tz, weekly, holidays)


PROPERTY = settings(max_examples=300, deadline=None)


@PROPERTY
@given(moments, durations, working_hours())
def test_the_working_time_from_a_start_to_its_due_time_is_exactly_the_duration(start, duration, hours):
    due = add_business_time(start, duration, hours)
    assert business_time_between(start, due, hours) == duration


@PROPERTY
@given(moments, durations, durations, working_hours())
def test_adding_in_two_steps_lands_where_adding_at_once_does(start, first, second, hours):
    # This holds even when `first` is zero from outside working hours: adding zero returns the start,
    # and the second step then counts from the next opening, just as adding at once does.
    halfway = add_business_time(start, first, hours)
    assert add_business_time(halfway, second, hours) == add_business_time(start, first + second, hours)


@PROPERTY
@given(moments, durations.filter(bool), working_hours())
def test_a_positive_due_time_comes_right_after_working_time_and_is_working_time_or_a_closing(
    start, duration, hours
):
    due = add_business_time(start, duration, hours)
    assert due.tzinfo is UTC
    assert due > start
    # The last microsecond counted was working time, so `due` is either working time itself or the
    # end of a working interval (a closing), never the next opening.
    assert is_working_time(due - MICROSECOND, hours)


@PROPERTY
@given(moments, durations, durations, working_hours())
def test_a_longer_duration_is_never_due_sooner(start, one, other, hours):
    shorter, longer = sorted([one, other])
    if shorter < longer:
        assert add_business_time(start, shorter, hours) < add_business_time(start, longer, hours)
    else:
        assert add_business_time(start, shorter, hours) == add_business_time(start, longer, hours)


@PROPERTY
@given(moments, durations)
def test_without_working_hours_due_at_is_the_start_plus_the_duration_in_real_time(start, duration):
    due = due_at(start, duration, None)
    assert due == start.astimezone(UTC) + duration
    assert due.tzinfo is UTC


@PROPERTY
@given(moments, durations, st.sampled_from([CHICAGO, WARSAW]))
def test_round_the_clock_hours_give_the_same_due_time_as_no_hours(start, duration, tz):
    hours = WorkingHours.standard(tz, time(0), time(0), range(7))
    assert due_at(start, duration, hours) == due_at(start, duration, None)


@PROPERTY
@given(moments, durations, working_hours())
def test_no_working_time_passes_from_a_moment_to_itself_or_to_an_earlier_one(end, back, hours):
    # In UTC, because `aware - timedelta` in a zone moves the wall clock and can land later in real time.
    end = end.astimezone(UTC)
    assert business_time_between(end, end - back, hours) == timedelta(0)


@PROPERTY
@given(moments, durations, durations, working_hours())
def test_working_time_over_two_stretches_adds_up(start, one, other, hours):
    start = start.astimezone(UTC)  # so that adding moves real time, not the wall clock
    middle = start + one
    end = middle + other
    assert business_time_between(start, end, hours) == (
        business_time_between(start, middle, hours) + business_time_between(middle, end, hours)
    )


@PROPERTY
@given(moments, working_hours())
def test_is_working_time_agrees_with_next_working_moment(at, hours):
    following = next_working_moment(at, hours)
    # Compared in UTC: by PEP 495, a wall time in a gap or a fold never equals a time in another zone,
    # not even the same instant, so `following == at` would be False for 02:00 on a spring-forward day.
    at = at.astimezone(UTC)
    assert following >= at
    assert is_working_time(following, hours)
    assert is_working_time(at, hours) == (following == at)
    assert business_time_between(at, following, hours) == timedelta(0)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(CLOCK_CHANGES), working_hours())
def test_working_time_around_a_clock_change_matches_a_count_minute_by_minute(day, hours):
    # An oracle that knows nothing of fold or zoneinfo's gap handling: it reads the clock every real
    # minute, and takes each boundary as the first minute at which the clock reads that time or later.
    # That is the documented rule, here worked out by brute force (every generated boundary is on the
    # minute, and both zones shift by whole hours, so minutes are exact).
    first = datetime.combine(day - timedelta(days=1), time(0), tzinfo=hours.tz).astimezone(UTC)
    minutes = [first + timedelta(minutes=m) for m in range(3 * 24 * 60 + 3 * 60)]
    walls = [m.astimezone(hours.tz).replace(tzinfo=None) for m in minutes]

    def reading(local_day, wall_time):
        target = datetime.combine(local_day, wall_time)
        return next(i for i, wall in enumerate(walls) if wall >= target)

    worked = [False] * len(minutes)
    boundaries = []
    for local_day in (day - timedelta(days=1), day, day + timedelta(days=1)):
        if local_day in hours.holidays:
            continue
        for start, end in hours.weekly.get(local_day.weekday(), ()):
            opens = reading(local_day, start)
            closes = reading(local_day + timedelta(days=1) if end == time(0) else local_day, end)
            worked[opens:closes] = [True] * (closes - opens)
            boundaries += [opens, closes] if opens < closes else []
    last = reading(day + timedelta(days=2), time(0))

    expected = timedelta(minutes=sum(worked[:last]))
    assert business_time_between(first, minutes[last], hours) == expected
    # At the window's edges the oracle knows nothing of the days outside it.
    for i in (i for i in boundaries if 0 < i < last):
        assert is_working_time(minutes[i], hours) == worked[i]
        assert is_working_time(minutes[i] - MICROSECOND, hours) == worked[i - 1]
