"""GET /data/stats.json: the figures of the public requests over any span, with the shared filters, each
group linked to exactly the requests it counts; bad filters get a 400 naming each problem."""

import csv
import io
from collections import defaultdict

import pytest

from tests.known_history import expected_figures

pytestmark = pytest.mark.django_db
FIGURES = [
    "requests", "open", "closed", "median_hours_to_close", "p90_hours_to_close", "closed_with_expected",
    "closed_on_time", "on_time_share", "reopened", "closed_as_duplicate", "closed_as_referred",
]  # fmt: skip


def stats(client, **params):
    response = client.get("/data/stats.json", params)
    assert response.status_code == 200, response.content
    return response.json()


def checked(figures: dict) -> dict:
    return {k: figures[k] for k in FIGURES}


def want(planned, history) -> dict:
    return checked(expected_figures(planned, history.now))


def test_the_total_covers_all_time_and_only_public_requests(client, history):
    # The history spans March to June: more than GeoReport's 90 days, and no dates are given.
    body = stats(client)
    assert body["jurisdiction_id"] == "springfield.example" and body["group_by"] is None
    assert checked(body["total"]) == want(history.planned, history)
    assert body["groups"] == []


FILTERS = [
    ({"district": "ward:1"}, lambda p: p.ward == "1"),
    ({"district": "ward:1,ward:2"}, lambda p: True),
    ({"district": "ward:2,police:7"}, lambda p: False),
    ({"channel": "phone,sms"}, lambda p: p.channel in ("phone", "sms")),
    ({"department": "streets"}, lambda p: p.department == "streets"),
    ({"service_code": "PHF"}, lambda p: p.service_code == "PHF"),
    ({"service_group": "Street Lights"}, lambda p: p.group == "Street Lights"),
    ({"status": "open"}, lambda p: p.closed is None),
    (
        {"start_date": "2026-04-01T00:00:00-05:00", "end_date": "2026-04-30T23:59:59-05:00"},
        lambda p: p.requested.isoformat() >= "2026-04-01T05:00:00" and p.requested.month == 4,
    ),
]


def test_each_filter_narrows_the_figures_to_what_it_names(client, history):
    # One history for every filter: a history per case made the suite slower for nothing.
    for params, keep in FILTERS:
        body = stats(client, **params)
        kept = [p for p in history.planned if keep(p)]
        assert (params, checked(body["total"])) == (params, want(kept, history))
        assert body["filters"] == params


def test_each_group_links_to_exactly_the_requests_it_counts(client, history):
    for group_by in ["service", "department", "channel", "month", "week", "district:ward"]:
        check_links(client, group_by)


def check_links(client, group_by):
    body = stats(client, group_by=group_by, channel="web,phone,sms")
    assert body["group_by"] == group_by
    assert sum(g["requests"] for g in body["groups"]) == body["total"]["requests"]
    for group in body["groups"]:
        rows = list(
            csv.DictReader(
                io.StringIO(b"".join(client.get(group["requests_url"]).streaming_content).decode())
            )
        )
        assert len(rows) == group["requests"], (group["key"], group["requests_url"])
        assert sum(r["status"] == "closed" for r in rows) == group["closed"]
        assert all(r["channel"] in ("web", "phone", "sms") for r in rows)
    total = client.get(body["total"]["requests_url"])
    assert len(b"".join(total.streaming_content).splitlines()) - 1 == body["total"]["requests"]


def test_a_month_narrowed_by_a_date_keeps_the_tighter_bound(client, history):
    body = stats(client, group_by="month", start_date="2026-04-15T00:00:00-05:00")
    april = next(g for g in body["groups"] if g["key"] == "2026-04")
    assert "start_date=2026-04-15T00%3A00%3A00-05%3A00" in april["requests_url"]
    rows = b"".join(client.get(april["requests_url"]).streaming_content).decode().splitlines()
    assert len(rows) - 1 == april["requests"]


def test_groups_by_service_agree_with_the_plan(client, history):
    groups = defaultdict(list)
    for p in history.planned:
        groups[p.service_code].append(p)
    body = stats(client, group_by="service")
    assert {g["key"]: checked(g) for g in body["groups"]} == {k: want(v, history) for k, v in groups.items()}
    assert [g["label"] for g in body["groups"]] == sorted(g["label"] for g in body["groups"])


def test_a_second_city_is_chosen_by_jurisdiction_id(client, history):
    from civic311.catalog.models import Jurisdiction

    Jurisdiction.objects.create(jurisdiction_id="shelbyville.example", name="Shelbyville", time_zone="UTC")
    assert stats(client, jurisdiction_id="shelbyville.example")["total"]["requests"] == 0
    assert stats(client)["total"]["requests"] == len(history.planned)  # the default city
    response = client.get("/data/stats.json", {"jurisdiction_id": "ogdenville"})
    assert response.status_code == 404
    assert response.json() == [
        {"code": 404, "description": "jurisdiction_id: 'ogdenville' is not served here"}
    ]


@pytest.mark.parametrize(
    ("params", "description"),
    [
        ({"group_by": "colour"}, "group_by: 'colour' is not a grouping"),
        ({"group_by": "district:precinct"}, "group_by: 'precinct' is not a kind of district here"),
        ({"status": "pending"}, "status: 'pending' is not a status"),
        ({"start_date": "yesterday"}, "start_date:"),
        (
            {"start_date": "2026-05-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"},
            "start_date: start_date is after end_date",
        ),
        ({"district": "ward:99"}, "district: there is no ward 99"),
        ({"district": "42"}, "district: '42': give kind:code"),
        ({"channel": "fax"}, "channel: 'fax' is not a channel"),
        ({"bbox": "1,2,3"}, "bbox: give min_long,min_lat,max_long,max_lat"),
        ({"lat": "91", "long": "0"}, "lat:"),
        ({"q": "x" * 201}, "q: is longer than 200 characters"),
    ],
)
def test_a_bad_filter_gets_a_400_that_names_it(client, city, params, description):
    response = client.get("/data/stats.json", params)
    assert response.status_code == 400
    body = response.json()
    assert body[0]["code"] == 400 and body[0]["description"].startswith(description), body


def test_every_problem_is_named_at_once(client, city):
    response = client.get("/data/stats.json", {"group_by": "colour", "channel": "fax", "status": "x"})
    assert response.status_code == 400
    assert len(response.json()) == 3


def test_hostile_text_in_a_filter_is_only_text(client, history):
    body = stats(client, q="'; DROP TABLE servicerequests_servicerequest; --")
    assert body["total"]["requests"] == 0
    assert stats(client)["total"]["requests"] == len(history.planned)


def test_the_openapi_document_describes_the_figures(client, city):
    document = client.get("/data/openapi.json").json()
    assert "/data/stats.json" in document["paths"]
    parameters = {p["name"] for p in document["paths"]["/data/stats.json"]["get"]["parameters"]}
    assert {"group_by", "district", "channel", "department", "start_date", "bbox", "q"} <= parameters
    assert "on_time_share" in document["components"]["schemas"]["FiguresOut"]["properties"]


@pytest.mark.parametrize("group_by", ["service", "district:ward", "month", "week"])
def test_built_rollups_answer_with_the_same_counts(client, history, group_by):
    from civic311.analytics import rollups

    exact = stats(client, group_by=group_by)
    rollups.build(history.city.jurisdiction)
    fast = stats(client, group_by=group_by)
    for got, want in zip([fast["total"], *fast["groups"]], [exact["total"], *exact["groups"]], strict=True):
        assert {k: v for k, v in got.items() if "hours" not in k} == {
            k: v for k, v in want.items() if "hours" not in k
        }
        for name in ("median_hours_to_close", "p90_hours_to_close"):
            if want[name]:
                assert abs(got[name] - want[name]) <= 0.01 * want[name] + 0.01
    assert fast.get("flow") == exact.get("flow")
