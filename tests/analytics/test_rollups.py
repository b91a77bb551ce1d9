"""The rollups say what the exact path says: the same counts, percentiles within 1 %, for every grouping and
every filter they answer, over whole months, whole days and parts of days; and they follow every change
(filed, closed, reopened, re-routed) as the events come, with no rebuild."""

from datetime import UTC, datetime

import pytest

from civic311.analytics import answers, figures, rollups
from civic311.analytics.models import Cell
from civic311.servicerequests import actions, filters
from civic311.servicerequests.choices import Channel, Status
from tests.factories import file_request

pytestmark = pytest.mark.django_db
STAFF = actions.Actor(channel=Channel.STAFF)
EXACT = [
    "requests", "open", "closed", "closed_with_expected", "closed_on_time", "on_time_share", "reopened",
    "overdue", "closed_as_duplicate", "closed_as_referred", "population", "requests_per_1000_residents",
]  # fmt: skip
GROUPINGS = [None, "service", "service_group", "department", "channel", "month", "week", "district:ward",
             "district:police"]  # fmt: skip


def parse(jurisdiction, **params):
    errors = []
    f = filters.read_filter(params, filters.RequestFilter(), errors, max_span=None, jurisdiction=jurisdiction)
    assert errors == []
    return f


def assert_agree(jurisdiction, f, grouping_name, now):
    """The cells' answer is the exact path's: counts equal, percentiles within 1 %."""
    grouping = figures.parse_grouping(grouping_name or "", jurisdiction, [])
    tz = jurisdiction.tz
    fast = answers.from_cells(jurisdiction, f, grouping, tz, now)
    assert fast is not None, "the cells should answer this"
    requests = filters.matching(jurisdiction, f)
    exact_total = figures.total(requests, now=now)
    exact_groups = figures.grouped(requests, grouping, tz, now=now) if grouping else []
    pairs = [(fast[0], exact_total)]
    assert {g.key for g in fast[1]} == {g.key for g in exact_groups}, grouping_name
    by_key = {g.key: g for g in exact_groups}
    pairs += [(g, by_key[g.key]) for g in fast[1]]
    for got, want in pairs:
        for name in EXACT:
            assert getattr(got, name) == getattr(want, name), (f, grouping_name, got.key, name)
        assert got.label == want.label
        for name in ("median_hours_to_close", "p90_hours_to_close"):
            a, b = getattr(got, name), getattr(want, name)
            assert (a is None) == (b is None), (grouping_name, got.key, name)
            if b:
                assert abs(a - b) <= 0.01 * b + 0.01, (grouping_name, got.key, name, a, b)


@pytest.fixture
def built(history):
    rollups.build(history.city.jurisdiction)
    return history


def test_every_grouping_over_all_time_agrees_with_the_exact_path(built):
    # One city built once for every case (a build per case made the suite minutes slower).
    j = built.city.jurisdiction
    for grouping in GROUPINGS:
        for now in (built.now, datetime(2026, 4, 10, 17, 30, tzinfo=UTC)):  # the second: due earlier that day
            assert_agree(j, parse(j), grouping, now)


WINDOWS = [
    {
        "start_date": "2026-04-01T00:00:00-05:00",
        "end_date": "2026-04-30T23:59:59.999999-05:00",
    },  # a month
    {"start_date": "2026-03-10T00:00:00-05:00", "end_date": "2026-05-20T00:00:00-05:00"},  # days, months
    {"start_date": "2026-03-10T14:00:00-05:00", "end_date": "2026-05-20T09:30:00-05:00"},  # parts of days
    {"start_date": "2026-04-12T01:00:00-05:00", "end_date": "2026-04-12T20:00:00-05:00"},  # within a day
    {"start_date": "2026-04-20T06:00:00Z"},  # from a time on
    {"end_date": "2026-03-31T23:00:00-05:00"},  # up to a time, over the city's month end
]


def test_any_window_agrees_whole_months_days_and_parts(built):
    j = built.city.jurisdiction
    for window in WINDOWS:
        for grouping in (None, "service", "week", "month", "district:ward"):
            assert_agree(j, parse(j, **window), grouping, built.now)


ONE_DIMENSION = [
    ({"service_code": "PHF"}, None),
    ({"service_code": "PHF,SFD"}, "service"),
    ({"service_group": "Streets"}, "service_group"),
    ({"service_code": "SFD"}, "month"),
    ({"department": "streets"}, "department"),
    ({"channel": "phone,sms"}, "channel"),
    ({"channel": "web"}, "week"),
    ({"district": "ward:1"}, None),
    ({"district": "ward:2"}, "district:ward"),
    ({"district": "police:7"}, "month"),
    ({"status": "open,closed"}, "service"),
]


def test_a_filter_of_one_dimension_agrees(built):
    j = built.city.jurisdiction
    for params, grouping in ONE_DIMENSION:
        assert_agree(j, parse(j, **params, start_date="2026-03-15T00:00:00Z"), grouping, built.now)


@pytest.mark.parametrize(
    ("params", "grouping"),
    [
        ({"status": "open"}, None),
        ({"q": "hole"}, None),
        ({"bbox": "-87.64,41.87,-87.62,41.89"}, None),
        ({"service_code": "PHF", "channel": "web"}, None),
        ({"channel": "web"}, "service"),
        ({"district": "ward:1,police:7"}, None),
    ],
)
def test_what_the_cells_cannot_say_goes_the_exact_way(built, params, grouping):
    j = built.city.jurisdiction
    f = parse(j, **params)
    g = figures.parse_grouping(grouping or "", j, [])
    assert answers.from_cells(j, f, g, j.tz, built.now) is None
    total, _groups = answers.answer(j, f, g, j.tz, now=built.now)
    assert total.requests == figures.total(filters.matching(j, f), now=built.now).requests


def test_before_it_is_built_the_exact_path_answers(history):
    j = history.city.jurisdiction
    assert answers.from_cells(j, parse(j), None, j.tz, history.now) is None
    assert answers.answer(j, parse(j), None, j.tz, now=history.now)[0].requests == len(history.planned)


def test_changes_are_folded_in_as_they_come(built):
    j = built.city.jurisdiction
    city = built.city
    cells = Cell.objects.count()
    # A new request, one closed, one reopened, one re-routed to another department, one marked duplicate.
    file_request(city.pothole, at=datetime(2026, 4, 2, 12, tzinfo=UTC))
    still_open = next(p.request for p in built.planned if p.closed is None)
    actions.change_status(still_open, Status.FIXED, STAFF, at=datetime(2026, 5, 30, tzinfo=UTC))
    closed = next(p.request for p in built.planned if p.status_code == Status.FIXED)
    actions.change_status(closed, Status.IN_PROGRESS, STAFF)
    moved = next(p.request for p in built.planned if p.service_code == "GRAF")
    actions.reroute(moved, STAFF, department=city.water)
    for grouping in GROUPINGS:
        assert_agree(j, parse(j), grouping, built.now)
    assert Cell.objects.count() >= cells
    # Folding again, or the worker looking back over events already folded, changes nothing.
    before = sorted(Cell.objects.values_list("view", "key", "grain", "period", "requests", "hours"))
    rollups.keep_up()
    assert sorted(Cell.objects.values_list("view", "key", "grain", "period", "requests", "hours")) == before


def test_a_rebuild_gives_the_cells_the_folds_gave(built):
    j = built.city.jurisdiction
    file_request(built.city.streetlight, at=datetime(2026, 4, 3, 12, tzinfo=UTC))
    actions.change_status(built.planned[2].request, Status.CLOSED, STAFF, at=datetime(2026, 5, 1, tzinfo=UTC))
    rollups.fold(j)
    folded = sorted(
        Cell.objects.values_list("view", "key", "grain", "period", "requests", "closed", "hours", "due")
    )
    rollups.build(j)
    rebuilt = sorted(
        Cell.objects.values_list("view", "key", "grain", "period", "requests", "closed", "hours", "due")
    )
    assert [tuple(bytes(x) if isinstance(x, memoryview) else x for x in r) for r in folded] == [
        tuple(bytes(x) if isinstance(x, memoryview) else x for x in r) for r in rebuilt
    ]


def test_the_worker_builds_then_keeps_up(history):
    from civic311.notify import schedule

    assert "analytics.rollups" in {job.name for job in schedule.jobs()}
    j = history.city.jurisdiction
    rollups.keep_up()
    assert answers.from_cells(j, parse(j), None, j.tz, history.now) is not None


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"service_code": "PHF"},
        {"start_date": "2026-03-20T10:00:00-05:00", "end_date": "2026-05-01T00:00:00Z"},
    ],
)
def test_the_weekly_flow_agrees(built, params):
    j = built.city.jurisdiction
    f = parse(j, **params)
    assert answers.flow(j, f, j.tz) == figures.flow(filters.matching(j, f), j.tz)


def test_a_service_made_private_leaves_the_figures_until_they_are_rebuilt(built):
    j = built.city.jurisdiction
    graffiti = built.city.graffiti
    graffiti.private = True
    graffiti.save()
    assert answers.from_cells(j, parse(j), None, j.tz, built.now) is None  # the exact path, meanwhile
    total, _ = answers.answer(j, parse(j), None, j.tz, now=built.now)
    assert total.requests == sum(1 for p in built.planned if p.service_code != "GRAF")
    rollups.keep_up()
    assert_agree(j, parse(j), "service", built.now)
    graffiti.description = "Paint on walls"
    graffiti.save()  # no change of privacy: the cells stay
    assert answers.from_cells(j, parse(j), None, j.tz, built.now) is not None
