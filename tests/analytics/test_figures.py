"""The figures, checked against arithmetic on the plan the history was made from (tests/known_history.py)."""

import zoneinfo
from collections import defaultdict

import pytest

from civic311.analytics import figures
from civic311.analytics.figures import Grouping
from civic311.servicerequests.choices import OPEN_STATUSES
from civic311.servicerequests.intake import FieldError
from civic311.servicerequests.models import ServiceRequest
from tests.known_history import expected_figures

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
pytestmark = pytest.mark.django_db


def public(history):
    return ServiceRequest.objects.public().of(history.city.jurisdiction)


def as_checked(f: figures.Figures) -> dict:
    return {k: v for k, v in f.as_dict().items() if k not in ("key", "label", "population")} | {
        "requests_per_1000_residents": None
    }


def test_the_history_is_what_the_plan_says(history):
    for p in history.planned:
        assert p.request.requested_datetime == p.requested
        assert p.request.closed_datetime == p.closed
        assert p.request.status_code == p.status_code
        assert p.request.times_reopened == (1 if p.reopened else 0)
        assert (p.status_code in OPEN_STATUSES) == (p.closed is None)
    # The plan reaches every case the figures count.
    kinds = expected_figures(history.planned, history.now)
    assert kinds["reopened"] and kinds["overdue"] and kinds["closed_as_duplicate"] and kinds["open"]
    assert 0 < kinds["closed_on_time"] < kinds["closed_with_expected"] < kinds["closed"]


def test_the_total_agrees_with_the_plan_and_leaves_out_private_requests(history):
    got = figures.total(public(history), now=history.now)
    want = expected_figures(history.planned, history.now)
    assert as_checked(got) == want | {"requests_per_1000_residents": None}
    assert got.requests == len(history.planned)  # the wellness checks are private


@pytest.mark.parametrize(
    ("grouping", "key_of"),
    [
        ("service", lambda p: p.service_code),
        ("service_group", lambda p: p.group),
        ("department", lambda p: p.department),
        ("channel", lambda p: p.channel),
        ("month", lambda p: p.requested.astimezone(CHICAGO).strftime("%Y-%m")),
        (
            "week",
            lambda p: (
                p.requested.astimezone(CHICAGO).date()
                - __import__("datetime").timedelta(days=p.requested.astimezone(CHICAGO).weekday())
            ).isoformat(),
        ),
        ("district:ward", lambda p: p.ward),
        ("district:police", lambda p: p.police),
    ],
)
def test_each_group_agrees_with_the_plan(history, grouping, key_of):
    groups = defaultdict(list)
    for p in history.planned:
        groups[key_of(p)].append(p)
    parsed = figures.parse_grouping(grouping, history.city.jurisdiction, [])
    got = {f.key: f for f in figures.grouped(public(history), parsed, CHICAGO, now=history.now)}
    assert set(got) == set(groups)
    for key, members in groups.items():
        want = expected_figures(members, history.now) | {"requests_per_1000_residents": None}
        assert (key, as_checked(got[key])) == (key, want)
    # The groups add up to the total.
    assert sum(f.requests for f in got.values()) == len(history.planned)


def test_months_are_the_citys_months_not_utcs(history):
    late_on_31_march = history.planned[5]
    assert late_on_31_march.requested.month == 4  # in UTC
    march = {f.key: f for f in figures.grouped(public(history), Grouping("month"), CHICAGO, now=history.now)}[
        "2026-03"
    ]
    months = [p for p in history.planned if p.requested.astimezone(CHICAGO).month == 3]
    assert late_on_31_march in months
    assert march.requests == len(months)


def test_a_district_with_a_population_gives_requests_per_thousand_residents(history):
    ward_1 = history.city.wards[0]
    ward_1.population = 2000
    ward_1.save()
    got = {f.key: f for f in figures.grouped(public(history), Grouping("district", "ward"), CHICAGO)}
    in_ward_1 = sum(1 for p in history.planned if p.ward == "1")
    assert got["1"].population == 2000
    assert got["1"].requests_per_1000_residents == round(1000 * in_ward_1 / 2000, 2)
    assert got["2"].requests_per_1000_residents is None
    police = figures.grouped(public(history), Grouping("district", "police"), CHICAGO)
    assert [f.key for f in police] == ["7", None] and police[1].label == "In no police"


def test_an_empty_set_of_requests_has_figures_of_nothing(history):
    none = figures.total(public(history).none())
    assert none.requests == 0 and none.median_hours_to_close is None and none.on_time_share is None
    assert figures.grouped(public(history).filter(pk=-1), Grouping("service"), CHICAGO) == []


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("colour", "'colour' is not a grouping; use one of service, service_group"),
        ("district:precinct", "'precinct' is not a kind of district here (district:ward)"),
        ("district:", "'' is not a kind of district here"),
    ],
)
def test_a_grouping_it_does_not_know_is_named_in_the_error(city, raw, message):
    errors: list[FieldError] = []
    assert figures.parse_grouping(raw, city.jurisdiction, errors) is None
    assert errors[0].field == "group_by" and message in errors[0].message
