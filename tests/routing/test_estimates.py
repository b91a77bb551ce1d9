"""Honest estimates: the median and 90th percentile time to close of similar requests done in the last 12
months, city-wide and per ward where there are enough, refreshed from history; words that say so, or say
there are too few; shown on the tracking and confirmation pages, in texts and in extended_attributes."""

import math
import statistics

import pytest

from civic311.routing import estimates
from civic311.routing.models import Estimate
from civic311.servicerequests import plain
from civic311.servicerequests.choices import Status

pytestmark = pytest.mark.django_db


def done_hours(history, code: str, ward: str | None = None) -> list[float]:
    return sorted(
        p.hours_to_close
        for p in history.planned
        if p.service_code == code
        and p.status_code in (Status.FIXED, Status.CLOSED)
        and (ward is None or p.ward == ward)
    )


def p90(values: list[float]) -> float:
    return values[0] if len(values) == 1 else statistics.quantiles(values, n=10, method="inclusive")[8]


def test_the_figures_are_those_of_the_services_history(history, monkeypatch):
    monkeypatch.setattr(estimates, "MIN_REQUESTS", 3)
    estimates.refresh(history.city.jurisdiction)
    for code in ("PHF", "SFD", "GRAF"):
        hours = done_hours(history, code)
        row = Estimate.objects.get(service__service_code=code, district=None)
        assert row.based_on == len(hours)
        assert row.median_hours == pytest.approx(statistics.median(hours), abs=1e-3)
        assert row.p90_hours == pytest.approx(p90(hours), abs=1e-3)
    # Duplicates and referrals are not "done": the two closed that way are left out.
    assert sum(r.based_on for r in Estimate.objects.filter(district=None)) == sum(
        len(done_hours(history, c)) for c in ("PHF", "SFD", "GRAF")
    )


def test_a_ward_with_enough_history_has_its_own_figure_and_the_rest_the_citys(history, monkeypatch):
    monkeypatch.setattr(estimates, "MIN_REQUESTS", 3)
    estimates.refresh(history.city.jurisdiction)
    pothole_in_1 = next(p for p in history.planned if p.service_code == "PHF" and p.ward == "1")
    typical = estimates.for_request(pothole_in_1.request)
    hours = done_hours(history, "PHF", ward="1")
    if len(hours) >= 3:
        assert typical.district_name == "Ward 1" and typical.based_on == len(hours)
        assert typical.typical_days == max(1, math.ceil(statistics.median(hours) / 24))
    monkeypatch.setattr(estimates, "MIN_REQUESTS", 1000)
    estimates.refresh(history.city.jurisdiction)
    assert not Estimate.objects.exclude(district=None).exists()


def test_the_words_say_what_happens_or_that_there_are_too_few(history, monkeypatch):
    request = history.planned[0].request
    assert plain.typical_time(estimates.for_request(request)) == ""  # before any refresh: nothing said
    monkeypatch.setattr(estimates, "MIN_REQUESTS", 3)
    estimates.refresh(history.city.jurisdiction)
    words = plain.typical_time(estimates.for_request(request))
    typical = estimates.for_request(request)
    assert words.startswith(f"Most requests like this are done within {typical.typical_days} day")
    assert f"9 in 10 within {typical.p90_days} day" in words
    assert f"the median of {typical.based_on} similar requests" in words
    monkeypatch.setattr(estimates, "MIN_REQUESTS", 1000)
    estimates.refresh(history.city.jurisdiction)
    few = plain.typical_time(estimates.for_request(request))
    assert few.startswith("Only ") and "too few to say how long these usually take" in few


def test_the_tracking_page_the_texts_and_the_api_tell_it(client, history, monkeypatch):
    monkeypatch.setattr(estimates, "MIN_REQUESTS", 3)
    estimates.refresh(history.city.jurisdiction)
    still_open = next(p.request for p in history.planned if p.closed is None and p.service_code == "PHF")
    words = plain.typical_time(estimates.for_request(still_open))
    page = client.get(f"/track/{still_open.service_request_id}").content.decode()
    assert words.replace("'", "&#x27;") in page
    assert words in plain.describe(still_open)
    body = client.get(
        f"/open311/v2/requests/{still_open.service_request_id}.json", {"extensions": "true"}
    ).json()[0]["extended_attributes"]
    typical = estimates.for_request(still_open)
    assert (body["typical_days_to_close"], body["p90_days_to_close"], body["based_on"]) == (
        typical.typical_days,
        typical.p90_days,
        typical.based_on,
    )


def test_the_estimates_job_is_registered_for_the_worker():
    from civic311.notify import schedule

    assert "routing.estimates" in {job.name for job in schedule.jobs()}


def test_the_confirmation_tells_it_beside_the_number(client, history, monkeypatch):
    import uuid

    from civic311.portal.models import Submission
    from tests.factories import file_request

    monkeypatch.setattr(estimates, "MIN_REQUESTS", 3)
    estimates.refresh(history.city.jurisdiction)
    sr = file_request(history.city.pothole)
    key = uuid.uuid4()
    Submission.objects.create(draft_key=key, request=sr)
    page = client.get(f"/report/sent/{key}/")
    words = plain.typical_time(estimates.for_request(sr))
    assert words and words.replace("'", "&#x27;") in page.content.decode()
