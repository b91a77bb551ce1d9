"""The home page in a real browser, served by the real ASGI server, with the vendor assets."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.a11y import axe_violations, describe
from tests.factories import CityFactory


@pytest.fixture
def springfield(transactional_db):
    """The test city, committed, so that the server's threads see it."""
    return CityFactory().build()


def test_the_home_page_shows_the_city_by_name(page: Page, springfield):
    page.goto("/")
    expect(page).to_have_title("Report a problem, track a request · Springfield")
    expect(page.get_by_role("heading", level=1)).to_have_text("Springfield 311")
    expect(page.locator("#counts")).to_have_text("0 open requests, 5 services.")


def test_its_link_to_the_georeport_api_answers_with_json(live_server_url, page: Page, springfield):
    page.goto("/")
    with page.expect_response(lambda response: "/open311/v2/services.json" in response.url) as answer:
        page.get_by_role("link", name="/open311/v2/").click()
    response = answer.value
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/json")
    codes = {service["service_code"] for service in response.json()}
    assert {"PHF", "SFD", "SCC", "GRAF"} <= codes
    expect(page).to_have_url(live_server_url + "/open311/v2/services.json")


def test_the_vendor_bundle_is_served_as_static_files(page: Page, static_root):
    htmx = page.request.get("/static/vendor/htmx.min.js")
    assert htmx.status == 200
    assert htmx.headers["content-type"].startswith("text/javascript")
    assert htmx.body() == (static_root / "vendor" / "htmx.min.js").read_bytes()
    css = page.request.get("/static/vendor/leaflet/leaflet.css")
    assert css.status == 200 and css.headers["content-type"].startswith("text/css")
    icon = page.request.get("/static/vendor/leaflet/images/marker-icon.png")
    assert icon.status == 200 and icon.headers["content-type"] == "image/png"


def test_the_home_page_meets_wcag_2_2_aa(page: Page, springfield):
    page.goto("/")
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_the_home_page_of_a_platform_without_a_city_meets_wcag_2_2_aa(page: Page):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Civic311 311")
    violations = axe_violations(page)
    assert violations == [], describe(violations)
