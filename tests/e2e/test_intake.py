"""Call-centre intake in a real browser: agnes, on the phone, using the keyboard alone, finds the caller by
phone and files a pothole for them in well under a minute; the page meets WCAG 2.2 AA in each state."""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from civic311.servicerequests.choices import Channel, EventKind
from civic311.servicerequests.intake import Contact
from civic311.servicerequests.models import ServiceRequest
from tests.console.conftest import PASSWORD, make_staff
from tests.e2e.a11y import axe_violations, describe
from tests.factories import CityFactory, file_request

WALK_LIMIT_S = 60
MAX_TABS = 15  # from the results to the address box: a few links and buttons, never a long way
ALICE = Contact(email="alice@example.org", phone="+1 312 555 0100", first_name="Alice", last_name="Resident")


@pytest.fixture
def springfield(transactional_db):
    """The test city, committed so the server's threads see it; agnes the agent; a request Alice phoned
    in last week (a street light on Main St)."""
    city = CityFactory().build()
    agnes = make_staff("agnes", "agent")
    past = file_request(city.streetlight, contact=ALICE, at=timezone.now() - timedelta(days=6))
    return city, agnes, past


def sign_in(page: Page) -> None:
    """Through the real form, by keyboard: the user name box has the focus."""
    page.goto("/staff/login/?next=/staff/intake/")
    page.keyboard.type("agnes")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/staff/intake/$"))
    # As an agent would: start typing once the page is there (scripts run, the search box focused).
    page.wait_for_load_state()
    expect(page.locator("#intake-q")).to_be_focused()


def tab_to(page: Page, selector: str) -> int:
    """Press Tab until the element has the focus, as an agent would; how many presses it took."""
    target = page.locator(selector)
    for presses in range(1, MAX_TABS + 1):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return presses
    raise AssertionError(f"{selector} not reached in {MAX_TABS} presses of Tab")


def test_an_agent_files_a_pothole_for_a_caller_by_keyboard_in_under_a_minute(page: Page, springfield):
    city, agnes, past = springfield
    started = time.monotonic()
    sign_in(page)

    # The caller gives their phone, written their way; the search box already has the focus.
    page.keyboard.type("(312) 555-0100")
    page.keyboard.press("Enter")
    results = page.locator("#intake-results")
    expect(results).to_contain_text(past.service_request_id)
    expect(results).to_contain_text("Street Light Out")
    expect(results).to_contain_text("Received on")
    # What the search knew of the caller is in the caller fields.
    expect(page.locator("#intake-phone")).to_have_value("+13125550100")  # stored as E.164
    expect(page.locator("#intake-first_name")).to_have_value("Alice")

    # A new problem: a pothole at 200 W Main St. The address from its suggestions.
    tabs = tab_to(page, "#intake-address")
    page.keyboard.type("200 W Main")
    expect(page.get_by_role("option", name="200 W Main St")).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("#intake-address")).to_have_value("200 W Main St")
    expect(page.locator("#intake-nearby")).to_contain_text("open request")

    # The service by a word; the best fit is chosen and its questions appear.
    page.keyboard.press("Tab")
    expect(page.locator("#intake-service-q")).to_be_focused()
    page.keyboard.type("pothole")
    expect(page.locator('input[name="service"][value="PHF"]')).to_be_checked()
    where = page.get_by_label("Where in the street is it?")
    expect(where).to_be_visible()
    page.keyboard.press("Tab")  # the chosen service
    page.keyboard.press("Tab")  # its first question
    expect(where).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(where).to_have_value("LANE")
    page.keyboard.press("Tab")
    page.keyboard.type("12")
    page.keyboard.press("Enter")  # files it

    confirmation = page.locator("#intake-confirmation")
    expect(confirmation).to_be_focused()
    number = confirmation.locator(".intake-number").inner_text()
    elapsed = time.monotonic() - started
    print(f"\nkeyboard walk: {elapsed:.1f} s (sign-in, search, file; {tabs} Tab presses to the address)")
    assert elapsed < WALK_LIMIT_S
    expect(confirmation).to_contain_text("Digits: " + " ".join(c for c in number if c.isdigit()))
    expect(confirmation).to_contain_text("we expect to finish by")

    filed = ServiceRequest.objects.get(service_request_id=number)
    assert filed.channel == Channel.PHONE and filed.service == city.pothole
    assert filed.attributes == {"WHERE": "LANE", "SIZE": 12}
    assert filed.address == "200 W Main St" and filed.reporter_phone == "+13125550100"
    assert filed.events.get(kind=EventKind.CREATED).actor == agnes
    # The form is empty again for the next call.
    expect(page.locator("#intake-address")).to_have_value("")


def test_adding_the_caller_as_a_follower_by_keyboard(page: Page, springfield):
    _, _, past = springfield
    sign_in(page)
    page.keyboard.type("200 W Main St")
    page.keyboard.press("Enter")
    nearby = page.locator("#intake-nearby")
    expect(nearby).to_contain_text(past.service_request_id)
    expect(page.locator("#intake-address")).to_have_value("200 W Main St")
    # A neighbour calls about the same light: their phone, then the button.
    page.locator("#intake-phone").focus()
    page.keyboard.type("773 555 0199")
    button = nearby.get_by_role("button", name=f"Add this caller as a follower of {past.service_request_id}")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#intake-notice")).to_contain_text("Added:")
    expect(page.locator("#intake-notice")).to_contain_text("Tell the caller")
    assert past.followers.filter(phone="+17735550199", reason="caller").exists()


def test_the_intake_page_meets_wcag_2_2_aa_in_each_state(page: Page, springfield):
    sign_in(page)
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    page.keyboard.type("(312) 555-0100")
    page.keyboard.press("Enter")
    expect(page.locator("#intake-results .intake-item")).to_have_count(1)
    page.locator("#intake-address").focus()
    page.keyboard.type("200 W Main")
    expect(page.get_by_role("option", name="200 W Main St")).to_be_visible()
    violations = axe_violations(page)  # with the results, and the suggestions open
    assert violations == [], describe(violations)

    page.keyboard.press("Enter")
    page.locator("#intake-service-q").focus()
    page.keyboard.type("garbage")
    expect(page.get_by_text("Which carts were missed?")).to_be_visible()
    page.get_by_role("button", name="File the request").focus()
    page.keyboard.press("Enter")  # no cart chosen: errors
    expect(page.locator("#intake-errors")).to_be_focused()
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    page.get_by_label("Recycling").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="File the request").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#intake-confirmation")).to_be_focused()
    violations = axe_violations(page)
    assert violations == [], describe(violations)
