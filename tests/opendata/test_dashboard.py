"""The public dashboard and the list of the requests behind its figures: the same numbers as stats.json,
filters in the URL, each figure linked to exactly the requests it counts, bad filters refused plainly."""

import re

import pytest

pytestmark = pytest.mark.django_db


def page(client, path="/dashboard/", **params):
    response = client.get(path, params)
    assert response.status_code == 200, response.content[:2000]
    return response


def test_the_dashboard_says_what_stats_json_says(client, history):
    response = page(client)
    total = client.get("/data/stats.json").json()["total"]
    context = response.context
    assert context["total"].requests == total["requests"] == len(history.planned)
    assert context["total"].median_hours_to_close == total["median_hours_to_close"]
    html = response.content.decode()
    assert f'<a href="/dashboard/requests/">{total["requests"]}</a>' in html
    months = client.get("/data/stats.json", {"group_by": "month"}).json()["groups"]
    assert [r["figures"].key for r in context["months"]] == [m["key"] for m in months]
    assert [r["figures"].requests for r in context["months"]] == [m["requests"] for m in months]
    assert 'id="dashboard-data"' in html and "Pothole in Street" in html


def test_every_linked_figure_lists_exactly_the_requests_it_counts(client, history):
    context = page(client, channel="phone").context
    links = 0
    for table in ("services", "service_groups", "departments", "channels", "wards", "months"):
        for row in context[table]:
            if row["url"] is None:
                continue
            listed = page(client, row["url"].split("?")[0], **dict(_query(row["url"])))
            assert listed.context["count"] == row["figures"].requests, (table, row["url"])
            assert "channel=phone" in row["url"]
            links += 1
    assert links >= 10


def _query(url: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl, urlsplit

    return parse_qsl(urlsplit(url).query)


def test_the_dates_are_the_citys_days(client, history):
    # Request 5 was filed at 22:30 on 31 March in Chicago (1 April in UTC): it is in March's figures.
    march = page(client, start="2026-03-31", end="2026-03-31").context["total"]
    number = history.planned[5].request.service_request_id
    listed = page(client, "/dashboard/requests/", start="2026-03-31", end="2026-03-31")
    assert number in listed.content.decode() and listed.context["count"] == march.requests


def test_the_list_pages_and_links_each_request_to_its_tracking_page(client, history):
    listed = page(client, "/dashboard/requests/", service="PHF")
    html = listed.content.decode()
    potholes = [p for p in history.planned if p.service_code == "PHF"]
    assert listed.context["count"] == len(potholes)
    assert f'href="/track/{potholes[0].request.service_request_id}"' in html
    assert "WELL" not in html and "Wellness" not in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "31/03/2026"}, "Enter a valid date."),
        ({"start": "2026-05-01", "end": "2026-04-01"}, "The end date is before the start date."),
        ({"service": "NOPE"}, "Select a valid choice."),
        ({"district": "ward:99"}, "Select a valid choice."),
        ({"channel": "fax"}, "Select a valid choice."),
    ],
)
def test_a_bad_filter_is_shown_beside_its_field_and_answers_400(client, history, params, message):
    for path in ("/dashboard/", "/dashboard/requests/"):
        response = client.get(path, params)
        assert response.status_code == 400
        assert message in response.content.decode()


def test_the_dashboard_is_in_the_residents_language(client, history):
    client.cookies["django_language"] = "es"
    html = page(client).content.decode()
    assert '<html lang="es">' in html
    assert re.search(r"<h1>[^<]*Springfield", html)
