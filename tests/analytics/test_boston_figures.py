"""Boston's own data, through the figures: the on-time share by department that the raw file gives is what
/data/stats.json (and so the dashboard) says, exactly and from the rollups; and a re-import that corrects
a request's filing time, channel or service moves it between the rollups' cells."""

from collections import defaultdict
from datetime import datetime

import pytest

from civic311.analytics import answers, figures, rollups
from civic311.opendata.importers import boston as importer
from civic311.opendata.importers.base import get_or_create_jurisdiction
from civic311.servicerequests import filters
from civic311.servicerequests.models import ServiceRequest
from tests.analytics.test_rollups import assert_agree, parse
from tests.opendata.test_boston_import import BOSTON_CSV, changed_csv, fixture_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def boston(db):
    jurisdiction = get_or_create_jurisdiction(
        importer.JURISDICTION_ID, importer.JURISDICTION_NAME, importer.TIME_ZONE
    )
    importer.import_file(BOSTON_CSV, jurisdiction)
    return jurisdiction


def on_time_from_the_file() -> dict[str, tuple[int, int]]:
    raw: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in fixture_rows():
        if row["CASE_STATUS"] == "Closed" and row["TARGET_DT"]:
            closed = datetime.strptime(row["CLOSED_DT"], importer.TIME_FORMAT)
            raw[row["SUBJECT"]][0] += closed <= datetime.strptime(row["TARGET_DT"], importer.TIME_FORMAT)
            raw[row["SUBJECT"]][1] += 1
    return {subject: (on_time, total) for subject, (on_time, total) in raw.items()}


@pytest.mark.parametrize("built", [False, True])
def test_the_on_time_share_by_department_is_what_bostons_file_says(client, boston, built):
    if built:
        rollups.build(boston)
    body = client.get(
        "/data/stats.json", {"jurisdiction_id": "boston.example", "group_by": "department"}
    ).json()
    said = {
        g["label"]: (g["closed_on_time"], g["closed_with_expected"])
        for g in body["groups"]
        if g["closed_with_expected"]
    }
    assert said == on_time_from_the_file()
    shares = {g["label"]: g["on_time_share"] for g in body["groups"] if g["closed_with_expected"]}
    assert shares == {d: round(a / b, 4) for d, (a, b) in on_time_from_the_file().items()}
    assert body["total"]["requests"] == len(fixture_rows())


def test_the_rollups_agree_over_bostons_wards_and_months(boston):
    rollups.build(boston)
    now = datetime.fromisoformat("2016-01-15T12:00:00+00:00")
    for grouping in (None, "department", "service", "channel", "month", "week", "district:ward"):
        assert_agree(boston, parse(boston), grouping, now)


def test_a_re_import_that_corrects_a_request_moves_it_between_cells(boston, tmp_path):
    rollups.build(boston)
    rows = fixture_rows()
    first, second = rows[0]["CASE_ENQUIRY_ID"], rows[1]["CASE_ENQUIRY_ID"]
    corrected = changed_csv(
        tmp_path,
        {
            first: {"OPEN_DT": "12/30/2015 10:00:00 AM", "Source": "Constituent Call"},
            second: {"TYPE": "Request for Snow Plowing", "REASON": "Street Cleaning"},
        },
    )
    importer.import_file(corrected, boston)
    moved = ServiceRequest.objects.get(service_request_id=first)
    assert (moved.requested_datetime.month, moved.channel) == (12, "phone")
    assert (
        ServiceRequest.objects.get(service_request_id=second).service.service_name
        == "Request for Snow Plowing"
    )
    now = datetime.fromisoformat("2016-01-15T12:00:00+00:00")
    for grouping in (None, "service", "channel", "month", "week"):
        assert_agree(boston, parse(boston), grouping, now)
    total, _ = answers.answer(boston, parse(boston), None, boston.tz, now=now)
    assert total.requests == figures.total(filters.matching(boston, parse(boston)), now=now).requests
