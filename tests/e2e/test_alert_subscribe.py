"""Browser tests of the notify pages: subscribing to an area alert by keyboard alone, its errors announced
and tied to their fields, and WCAG 2.2 AA (axe-core, zero violations) on the alert form (empty and with
errors), the confirmation, the survey (and its errors) and the unsubscribe pages."""

import pytest
from playwright.sync_api import Page, expect

from civic311.notify.email import tokens
from civic311.notify.models import AreaAlert
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Status
from tests.e2e.a11y import axe_violations, describe
from tests.factories import CityFactory, file_request


@pytest.fixture
def springfield(transactional_db):
    return CityFactory().build()


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_subscribing_to_a_ward_by_keyboard_alone(springfield, live_server_url, page: Page):
    page.goto("/notify/alerts/")
    assert_accessible(page)
    page.locator("#alert-email").focus()
    page.keyboard.type("neighbour@example.org")
    page.keyboard.press("Tab")  # the "a ward" choice, already chosen
    page.keyboard.press("Tab")  # the ward list
    expect(page.locator("#alert-district")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#alert-district")).to_have_value(str(springfield.wards[1].pk))
    page.locator("#alert-closures").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Subscribe").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    alert = AreaAlert.objects.get()
    assert (alert.email, alert.district_id, alert.new_requests, alert.closures, alert.confirmed) == (
        "neighbour@example.org",
        springfield.wards[1].pk,
        True,
        True,
        False,
    )
    page.goto(f"/notify/alerts/confirm/{tokens.confirm_token(alert.pk)}")
    assert_accessible(page)
    page.get_by_role("button", name="Turn my alert on").press("Enter")
    expect(page.locator("main p[role=status]")).to_contain_text("Your alert is on")
    alert.refresh_from_db()
    assert alert.confirmed


def test_errors_are_announced_and_tied_to_their_fields(springfield, live_server_url, page: Page):
    page.goto("/notify/alerts/")
    page.fill("#alert-email", "not an email")
    page.check("#alert-area-point")
    page.fill("#alert-lat", "95")
    page.fill("#alert-long", "-87.63")
    page.fill("#alert-radius_m", "9")
    page.get_by_role("button", name="Subscribe").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter a valid email address")
    expect(summary).to_contain_text("Enter a latitude between -90 and 90.")
    expect(summary).to_contain_text("Enter a radius from 50 to 5000 metres.")
    expect(page.locator("#alert-email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#alert-email")).to_have_accessible_description(
        "Enter a valid email address, like name@example.org."
    )
    expect(page.locator("#alert-radius_m")).to_have_attribute("aria-describedby", "radius-hint radius-error")
    assert_accessible(page)
    assert not AreaAlert.objects.exists()


def test_the_survey_and_unsubscribe_pages_are_accessible(springfield, live_server_url, page: Page):
    request = file_request(springfield.pothole)
    actions.change_status(request, Status.FIXED, actions.Actor(channel="web"))
    follower = request.followers.get()
    page.goto(f"/notify/survey/{tokens.survey_token(follower.pk)}?score=4")
    assert_accessible(page)
    expect(page.locator("#score-4")).to_be_checked()
    page.fill("#comment", "x" * 10)
    page.evaluate("document.querySelectorAll('input[name=score]').forEach(r => r.checked = false)")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose a score from 1 to 5.")
    assert_accessible(page)
    page.check("#score-5")
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator("main p[role=status]")).to_contain_text("was saved")
    assert_accessible(page)
    page.goto(f"/notify/unsubscribe/{tokens.unsubscribe_token('f', follower.pk)}")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, stop these emails").click()
    expect(page.locator("main p[role=status]")).to_contain_text("You will not get any more emails")
    assert_accessible(page)
    page.goto("/notify/unsubscribe/forged")
    assert_accessible(page)
