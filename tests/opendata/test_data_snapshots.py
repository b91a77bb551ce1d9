"""The daily snapshot files: each finished day's changed public requests as CSV and Parquet, written by the
worker's job, listed and served on /data/, never half-written, old ones removed."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pyarrow.parquet as pq
import pytest

from civic311.notify import schedule
from civic311.opendata import snapshots

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def test_a_day_holds_the_requests_filed_or_changed_that_day_in_the_citys_time(history):
    jurisdiction = history.city.jurisdiction
    day = date(2026, 3, 31)  # request 5 was filed at 22:30 on 31 March in Chicago: 1 April in UTC
    paths = snapshots.write_day(jurisdiction, day)
    assert [p.name for p in paths] == [
        "springfield.example-requests-2026-03-31.csv",
        "springfield.example-requests-2026-03-31.parquet",
    ]
    rows = list(csv.DictReader(io.StringIO(paths[0].read_text())))
    start = datetime(2026, 3, 31, 5, tzinfo=UTC)  # midnight in Chicago (CDT)
    end = start + timedelta(days=1)
    changed = {
        p.request.service_request_id
        for p in history.planned
        if p.request.events.filter(public=True, created_at__gte=start, created_at__lt=end)
    }
    assert history.planned[5].request.service_request_id in changed
    assert {r["service_request_id"] for r in rows} == changed
    assert pq.read_table(paths[1]).num_rows == len(rows)


def test_the_job_writes_yesterday_once_and_removes_old_days(history, tmp_path):
    schedule.jobs()  # registered by the app
    assert "opendata.snapshots" in {job.name for job in schedule.jobs()}
    old = tmp_path / "opendata" / "springfield.example-requests-2020-01-01.csv"
    snapshots.directory()
    old.write_text("old")
    now = datetime(2026, 4, 2, 12, tzinfo=UTC)
    written = snapshots.write_due(now)
    assert {p.name for p in written} == {
        "springfield.example-requests-2026-04-01.csv",
        "springfield.example-requests-2026-04-01.parquet",
    }
    assert snapshots.write_due(now) == []  # already there
    assert not old.exists()
    assert not list((tmp_path / "opendata").glob(".*partial"))


def test_the_data_page_lists_the_files_and_serves_them(client, history):
    snapshots.write_day(history.city.jurisdiction, date(2026, 3, 31))
    page = client.get("/data/").content.decode()
    assert "springfield.example-requests-2026-03-31.csv" in page
    assert "district_ward" in page and "times_reopened" in page  # the column dictionary
    response = client.get("/data/snapshots/springfield.example-requests-2026-03-31.parquet")
    assert response.status_code == 200
    assert pq.read_table(io.BytesIO(b"".join(response.streaming_content))).num_rows > 0
    for name in ("../secret_key", "..%2Fsecret_key", "springfield.example-requests-2026-03-30.csv", "x.csv"):
        assert client.get(f"/data/snapshots/{name}").status_code == 404
