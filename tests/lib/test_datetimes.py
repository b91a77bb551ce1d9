"""W3C datetimes as GeoReport clients send them, and as we answer them."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from civic311.lib.datetimes import DatetimeError, format_w3c, parse_w3c

CHICAGO = ZoneInfo("America/Chicago")


def test_it_accepts_z_for_utc():
    assert parse_w3c("2026-01-31T14:05:00Z") == datetime(2026, 1, 31, 14, 5, tzinfo=UTC)


def test_it_accepts_a_negative_offset():
    parsed = parse_w3c("2026-01-31T14:05:00-06:00")
    assert parsed.utcoffset() == timedelta(hours=-6)
    assert parsed == datetime(2026, 1, 31, 20, 5, tzinfo=UTC)


def test_it_accepts_a_positive_offset():
    parsed = parse_w3c("2026-01-31T14:05:00+05:30")
    assert parsed.utcoffset() == timedelta(hours=5, minutes=30)


def test_it_accepts_fractions_of_a_second_and_no_seconds():
    assert parse_w3c("2026-01-31T14:05:00.250Z").microsecond == 250_000
    assert parse_w3c("2026-01-31T14:05Z") == datetime(2026, 1, 31, 14, 5, tzinfo=UTC)


def test_it_reads_a_plus_that_arrived_as_a_space():
    # ?start_date=2026-01-31T14:05:00+01:00 unescaped in a query string reaches us with a space.
    assert parse_w3c("2026-01-31T14:05:00 01:00") == parse_w3c("2026-01-31T14:05:00+01:00")


def test_it_takes_a_bare_date_as_midnight_utc():
    assert parse_w3c("2026-01-31") == datetime(2026, 1, 31, tzinfo=UTC)


def test_it_refuses_a_time_without_a_zone_and_says_so():
    with pytest.raises(DatetimeError, match="time zone"):
        parse_w3c("2026-01-31T14:05:00")


@pytest.mark.parametrize("text", ["", "yesterday", "31/01/2026", "2026-01-31T14:05:00Zjunk", "2026-1-31"])
def test_it_refuses_garbage(text):
    with pytest.raises(DatetimeError, match="not a W3C datetime"):
        parse_w3c(text)


@pytest.mark.parametrize("text", ["2026-02-30T10:00:00Z", "2026-02-30", "2026-01-31T25:00:00Z"])
def test_it_refuses_an_impossible_date_or_time(text):
    with pytest.raises(DatetimeError, match="not a valid date or time"):
        parse_w3c(text)


def test_it_formats_chicago_in_winter_with_its_standard_offset():
    winter = datetime(2026, 1, 15, 18, 0, tzinfo=UTC)
    assert format_w3c(winter, CHICAGO) == "2026-01-15T12:00:00-06:00"


def test_it_formats_chicago_in_summer_with_its_daylight_saving_offset():
    summer = datetime(2026, 7, 15, 18, 0, tzinfo=UTC)
    assert format_w3c(summer, CHICAGO) == "2026-07-15T13:00:00-05:00"


def test_it_formats_utc_with_z_and_to_the_second():
    assert format_w3c(datetime(2026, 1, 15, 18, 0, 0, 999_999, tzinfo=UTC), UTC) == "2026-01-15T18:00:00Z"


def test_it_formats_none_as_none():
    assert format_w3c(None, CHICAGO) is None


def test_what_it_formats_it_parses_back_to_the_same_instant():
    moment = datetime(2026, 3, 8, 8, 30, tzinfo=UTC)  # the morning Chicago moves its clocks
    for tz in (CHICAGO, UTC, timezone(timedelta(hours=9))):
        assert parse_w3c(format_w3c(moment, tz)) == moment
