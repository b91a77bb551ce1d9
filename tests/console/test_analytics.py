"""Staff analytics (/staff/analytics/): the figures over what the member of staff may see, private services
and internal statuses included; supervisors their department's, administrators all; staff and agents
refused; every table as CSV; workload by team and person, oldest open, service levels missed, re-routes."""

import csv
import io

import pytest

from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, Status
from tests.factories import file_request

pytestmark = pytest.mark.django_db
STAFF = actions.Actor(channel=Channel.STAFF)


@pytest.fixture
def worked(history, actors):
    """The history, plus private wellness checks (Water Management) and a pothole re-routed by hand."""
    city = history.city
    bounced = history.planned[0].request
    actions.reroute(bounced, STAFF, department=city.water, note="Looks like a water main")
    actions.reroute(bounced, STAFF, department=city.streets, note="No: the road")
    return history


def csv_rows(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_a_supervisor_sees_their_departments_figures_with_private_services(signed_in, worked):
    client = signed_in("carol")  # Streets and Sanitation
    response = client.get("/staff/analytics/")
    assert response.status_code == 200
    total = response.context["total"]
    streets = [p for p in worked.planned if p.department == "streets"]
    assert total.requests == len(streets)  # the wellness checks are Water's: not carol's
    departments = {
        r["figures"].key
        for r in next(t for t in response.context["tables"] if t["name"] == "departments")["rows"]
    }
    assert departments == {"streets"}


def test_an_administrator_sees_every_department_and_the_private_requests(signed_in, worked):
    response = signed_in("ada").get("/staff/analytics/")
    assert response.status_code == 200
    assert response.context["total"].requests == len(worked.planned) + len(worked.private)
    services = {r["figures"].key for r in response.context["tables"][0]["rows"]}
    assert "WELL" in services  # private, and counted here (never on the public dashboard)


@pytest.mark.parametrize("name", ["bob", "dave", "agnes"])
def test_staff_and_agents_are_refused(signed_in, worked, name):
    assert signed_in(name).get("/staff/analytics/").status_code == 403
    assert signed_in(name).get("/staff/analytics/requests/").status_code == 403


def test_a_signed_out_visitor_is_sent_to_sign_in(client, worked):
    response = client.get("/staff/analytics/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


def test_a_supervisor_cannot_pick_another_department(signed_in, worked):
    response = signed_in("carol").get("/staff/analytics/", {"department": "water"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize(
    "table", ["services", "departments", "teams", "assignees", "channels", "wards", "months"]
)
def test_every_figure_table_downloads_as_csv_with_the_same_numbers(signed_in, worked, table):
    client = signed_in("ada")
    page = client.get("/staff/analytics/")
    shown = next(t for t in page.context["tables"] if t["name"] == table)["rows"]
    rows = csv_rows(client.get("/staff/analytics/", {"table": table, "format": "csv"}))
    assert [int(r["requests"]) for r in rows] == [r["figures"].requests for r in shown]
    assert sum(int(r["requests"]) for r in rows) == page.context["total"].requests or table == "wards"


def test_the_oldest_open_breaches_and_reroutes_download_as_csv(signed_in, worked):
    client = signed_in("ada")
    oldest = csv_rows(client.get("/staff/analytics/", {"table": "oldest", "format": "csv"}))
    waiting = [(p.requested, p.request.service_request_id) for p in worked.planned if p.closed is None]
    waiting += [(sr.requested_datetime, sr.service_request_id) for sr in worked.private]
    assert [r["number"] for r in oldest] == [number for _, number in sorted(waiting)][:20]
    breaches = csv_rows(client.get("/staff/analytics/", {"table": "breaches", "format": "csv"}))
    labels = {r["service_level"] for r in breaches}
    assert {"Pothole in Street (days to complete)", "Street Light Out (days to complete)"} <= labels
    for row in breaches:
        assert int(row["closed_late"]) + int(row["open_late"]) <= int(row["with_target"])
    reroutes = csv_rows(client.get("/staff/analytics/", {"table": "reroutes", "format": "csv"}))
    assert reroutes == [
        {"from_department": "Streets and Sanitation", "to_department": "Water Management", "times": "1"},
        {"from_department": "Water Management", "to_department": "Streets and Sanitation", "times": "1"},
    ]
    assert client.get("/staff/analytics/", {"table": "nope", "format": "csv"}).status_code == 404


def test_a_late_closure_is_counted_against_its_service_level(signed_in, city, actors):
    late = file_request(city.pothole)
    actions.change_status(
        late, Status.FIXED, STAFF, at=late.expected_datetime + __import__("datetime").timedelta(hours=1)
    )
    on_time = file_request(city.pothole)
    actions.change_status(on_time, Status.FIXED, STAFF)
    rows = csv_rows(signed_in("ada").get("/staff/analytics/", {"table": "breaches", "format": "csv"}))
    pothole = next(r for r in rows if r["service_level"] == "Pothole in Street (days to complete)")
    assert (pothole["with_target"], pothole["closed_late"], pothole["open_late"]) == ("2", "1", "0")
    assert pothole["hours"] == "168"


def test_each_figure_lists_exactly_the_requests_it_counts(signed_in, worked):
    client = signed_in("carol")
    page = client.get("/staff/analytics/")
    for table in page.context["tables"]:
        for row in table["rows"]:
            if row["url"]:
                listed = client.get(row["url"])
                assert listed.status_code == 200
                assert listed.context["count"] == row["figures"].requests, row["url"]
