"""The public dashboard, the list behind its figures and the /data/ page in Chromium: WCAG 2.2 AA (axe, zero
violations) in English, Spanish and Polish, the charts and the ward map drawn once in view, the filters kept
in the URL, and no sideways scroll on a phone."""

import zoneinfo

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.a11y import axe_violations, describe
from tests.factories import CityFactory
from tests.known_history import make_history

LANGUAGES = ["en", "es", "pl"]
HEADINGS = {
    "en": "How Springfield is doing",
    "es": "Cómo le va a Springfield",
    "pl": "Jak radzi sobie Springfield",
}


@pytest.fixture
def history(transactional_db):
    return make_history(CityFactory().build())


def visit(page: Page, live_server_url: str, language: str, path: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server_url}])
    response = page.goto(path)
    assert response is not None and response.status < 500


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], describe(violations)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dashboard_meets_wcag_2_2_aa_with_its_charts_and_map_drawn(
    page: Page, live_server_url, history, language
):
    visit(page, live_server_url, language, "/dashboard/")
    expect(page.locator("h1")).to_have_text(HEADINGS[language])
    expect(page.locator("html")).to_have_attribute("lang", language)
    for chart in ("#chart-months", "#chart-weeks"):
        page.locator(chart).scroll_into_view_if_needed()
        expect(page.locator(f"{chart} canvas")).to_have_count(1)
    page.locator("#dashboard-map").scroll_into_view_if_needed()
    expect(page.locator("#dashboard-map path.leaflet-interactive")).to_have_count(2)  # the two wards
    expect(page.locator(".map-legend")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_list_behind_a_figure_and_the_data_page_meet_wcag_2_2_aa(
    page: Page, live_server_url, history, language
):
    visit(page, live_server_url, language, "/dashboard/")
    page.locator("table.figures a", has_text="Pothole in Street").first.click()
    expect(page).to_have_url(f"{live_server_url}/dashboard/requests/?service=PHF")
    expect(page.locator("tbody tr")).to_have_count(12)
    assert_accessible(page)
    visit(page, live_server_url, language, "/data/")
    assert_accessible(page)


def test_filters_chosen_are_kept_in_the_url_and_errors_named(page: Page, live_server_url, history):
    visit(page, live_server_url, "en", "/dashboard/")
    page.get_by_label("Reported by").select_option("phone")
    page.get_by_label("From", exact=True).fill("2026-04-01")
    page.get_by_role("button", name="Show").click()
    query = "start=2026-04-01&end=&service_group=&service=&department=&district=&channel=phone"
    expect(page).to_have_url(f"{live_server_url}/dashboard/?{query}")
    chicago = zoneinfo.ZoneInfo("America/Chicago")
    phone_after_april = [
        p for p in history.planned if p.channel == "phone" and p.requested.astimezone(chicago).month >= 4
    ]
    expect(page.locator(".headline dd").first).to_have_text(str(len(phone_after_april)))
    page.get_by_label("To", exact=True).fill("2026-03-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".field-error")).to_have_text("The end date is before the start date.")
    assert_accessible(page)


def test_a_phone_sees_the_dashboard_without_sideways_scroll(page: Page, live_server_url, history):
    page.set_viewport_size({"width": 360, "height": 800})
    visit(page, live_server_url, "en", "/dashboard/")
    page.locator("#dashboard-map").scroll_into_view_if_needed()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide"
