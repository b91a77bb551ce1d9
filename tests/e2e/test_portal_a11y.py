"""Every page of the resident app meets WCAG 2.2 AA (axe-core, zero violations), in every language.

Pages: home, report (empty, and sent with errors), confirmation, tracking, around, my requests (the
sign-in form), offline, and the tracking lookup. A page whose view is not there answers a skip that
names it."""

import uuid

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import Page, expect

from tests.e2e.a11y import axe_violations, describe
from tests.factories import CityFactory, file_request

LANGUAGES = ["en", "es", "pl"]


@pytest.fixture
def springfield(transactional_db):
    return CityFactory().build()


@pytest.fixture
def sample(springfield):
    """A public request to track, and a report sent through the portal (for its confirmation page)."""
    sr = file_request(springfield.pothole, description="Deep hole by the school")
    try:
        from civic311.portal.models import Submission
    except ImportError:
        return {"number": sr.service_request_id, "draft_key": None}
    key = uuid.uuid4()
    Submission.objects.create(draft_key=key, request=sr)
    return {"number": sr.service_request_id, "draft_key": key}


def url_of(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        pytest.skip(f"the page {name} is not there yet")


def assert_accessible(page: Page, language: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language)
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def visit(page: Page, live_server_url: str, language: str, path: str) -> None:
    """The page in the language, set as the switcher leaves it: Django's language cookie."""
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server_url}])
    response = page.goto(path)
    assert response is not None and response.status < 500


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "name",
    [
        "portal:home",
        "portal:report_start",
        "portal:around",
        "portal:mine",
        "portal:offline",
        "portal:track_lookup",
    ],
)
def test_the_page_meets_wcag_2_2_aa(page: Page, live_server_url, springfield, name, language):
    visit(page, live_server_url, language, url_of(name))
    assert_accessible(page, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_report_page_with_errors_meets_wcag_2_2_aa(page: Page, live_server_url, springfield, language):
    visit(page, live_server_url, language, url_of("portal:report_start"))
    page.locator("#send-report").click()  # nothing filled in: every error at once
    expect(page.locator("#error-summary")).to_be_visible()
    assert_accessible(page, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_confirmation_page_meets_wcag_2_2_aa(page: Page, live_server_url, sample, language):
    if sample["draft_key"] is None:
        pytest.skip("no portal.models.Submission yet: no confirmation page")
    visit(page, live_server_url, language, url_of("portal:report_sent", sample["draft_key"]))
    assert_accessible(page, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_tracking_page_meets_wcag_2_2_aa(page: Page, live_server_url, sample, language):
    visit(page, live_server_url, language, url_of("portal:track", sample["number"]))
    expect(page.get_by_text(sample["number"]).first).to_be_visible()
    assert_accessible(page, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_language_switcher_works_by_keyboard(page: Page, live_server_url, springfield, language):
    page.goto(url_of("portal:offline"))
    page.locator(".skip").focus()
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "language-select":
            break
    else:
        raise AssertionError("Tab never reached the language select")
    page.locator("#language-select").select_option(language)  # what the arrow keys do
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page).to_have_url(live_server_url + url_of("portal:offline"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_busy_page_meets_wcag_2_2_aa(page: Page, live_server_url, transactional_db, language):
    """The page a resident sees when the server has no database connection free (503, server/errors.py),
    served as the live server would, at one of its addresses."""
    from django.test import RequestFactory
    from django.utils import translation

    from civic311.server.errors import busy_response

    with translation.override(language):
        busy = busy_response(RequestFactory().get("/report/"))
    page.route(
        "**/report/busy",
        lambda route: route.fulfill(status=503, body=busy.content, headers=dict(busy.items())),
    )
    response = page.goto("/report/busy")
    assert response is not None and response.status == 503
    assert_accessible(page, language)
