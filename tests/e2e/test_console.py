"""The staff console in a real browser: signing in, filtering the queue, changing a status (and the public
API saying so), merging a duplicate, the keyboard, and WCAG 2.2 AA on the queue and request pages."""

import re

import pytest
from playwright.sync_api import Page, expect

from civic311.servicerequests.choices import Status
from tests.console.conftest import PASSWORD, make_staff
from tests.e2e.a11y import axe_violations, describe
from tests.factories import CityFactory, file_request


@pytest.fixture
def springfield(transactional_db):
    """The test city and its staff, committed, so that the server's threads see them."""
    city = CityFactory().build()
    make_staff("bob", "staff", city.streets)
    make_staff("carol", "supervisor", city.streets)
    return city


def sign_in(page: Page, username: str) -> None:
    """Through the sign-in form, as a person would."""
    page.goto("/staff/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Queue", level=1)).to_be_visible()
    # The page's scripts (deferred) run before "load": keys pressed earlier would find no listener yet,
    # which a busy machine made happen.
    page.wait_for_load_state("load")


def queue_rows(page: Page):
    return page.locator("#queue-table tbody tr[data-number]")


def api_request(page: Page, number: str) -> dict:
    """The public GeoReport API's view of a request, fetched with no staff session (a new context)."""
    response = page.context.browser.new_context(base_url=page.url.split("/staff/")[0]).request.get(
        f"/open311/v2/requests/{number}.json?extensions=true"
    )
    assert response.status == 200, response.text()
    (item,) = response.json()
    return item


def test_bob_signs_in_through_the_form(page: Page, springfield):
    page.goto("/staff/")
    expect(page).to_have_url(re.compile(r"/staff/login/\?next=/staff/$"))
    page.get_by_label("User name").fill("bob")
    page.get_by_label("Password").fill("not his password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("enter a correct")
    sign_in(page, "bob")
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.locator(".who")).to_contain_text("bob · Department staff · Streets and Sanitation")


def test_filtering_the_queue_by_service_shows_only_matching_rows(page: Page, springfield):
    city = springfield
    potholes = {file_request(city.pothole, description=f"Hole {n}").service_request_id for n in range(2)}
    file_request(city.streetlight, description="Lamp out")
    file_request(city.graffiti, description="Tag")
    sign_in(page, "bob")
    expect(queue_rows(page)).to_have_count(4)
    page.get_by_label("Service").select_option(label="Pothole in Street")
    # htmx swaps the table in place and puts the filter in the address, for the back button and sharing.
    expect(page).to_have_url(re.compile(rf"service={city.pothole.pk}"))
    expect(queue_rows(page)).to_have_count(2)
    assert {row.get_attribute("data-number") for row in queue_rows(page).all()} == potholes
    for row in queue_rows(page).all():
        expect(row.locator("td").nth(2)).to_have_text("Pothole in Street")
    expect(page.locator(".facet").first).to_have_text("All 2")
    # And the search box narrows it further.
    page.get_by_label("Search").fill("Hole 1")
    page.get_by_label("Search").press("Enter")
    expect(queue_rows(page)).to_have_count(1)


def test_a_status_change_with_a_public_note_shows_in_the_public_api(page: Page, springfield):
    sr = file_request(springfield.pothole, description="Deep hole by the school")
    number = sr.service_request_id
    sign_in(page, "bob")
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    status = page.locator("form", has=page.get_by_role("heading", name="Change status"))
    status.get_by_label("New status").select_option(label="In progress")
    status.get_by_label("Note for the resident").fill("A crew is on the way.")
    status.get_by_role("button", name="Change status").click()
    expect(page.get_by_role("status")).to_contain_text("Status changed to In progress.")
    expect(page.locator(".summary .status")).to_have_text("In progress")
    expect(page.locator("#timeline")).to_contain_text("A crew is on the way.")
    item = api_request(page, number)
    assert item["status"] == "open"
    assert item["status_notes"] == "A crew is on the way."
    assert item["extended_attributes"]["status_code"] == Status.IN_PROGRESS
    assert item["notes"][-1]["description"] == "A crew is on the way."


def test_carol_marks_a_duplicate_and_the_child_closes(page: Page, springfield):
    parent = file_request(springfield.pothole, description="Big hole")
    child = file_request(springfield.pothole, description="Same big hole")
    sign_in(page, "carol")
    page.goto(f"/staff/requests/{child.service_request_id}/")
    duplicate = page.locator("form", has=page.get_by_role("heading", name="Mark as duplicate"))
    duplicate.get_by_label("Number of the original request").fill(parent.service_request_id)
    duplicate.get_by_role("button", name="Close as duplicate").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Closed as a duplicate of {parent.service_request_id}."
    )
    expect(page.locator(".summary .status")).to_have_text("Duplicate")
    related = page.get_by_role("region", name="Nearby and related")
    expect(related).to_contain_text(f"Duplicate of {parent.service_request_id}.")
    # Closed: the form to mark it again is gone.
    expect(page.get_by_role("heading", name="Mark as duplicate")).to_have_count(0)
    # The original lists it, and its page links back.
    related.get_by_role("link", name=parent.service_request_id).first.click()  # also in "nearby"
    expect(page.get_by_role("heading", level=1)).to_contain_text(parent.service_request_id)
    expect(page.get_by_role("region", name="Nearby and related")).to_contain_text(
        f"Its duplicates {child.service_request_id}"
    )
    item = api_request(page, child.service_request_id)
    assert item["status"] == "closed"
    assert item["extended_attributes"]["duplicate"] is True
    assert item["extended_attributes"]["parent_service_request_id"] == parent.service_request_id


def test_the_keyboard_slash_searches_and_j_k_move_between_rows(page: Page, springfield):
    for n in range(3):
        file_request(springfield.graffiti, description=f"Tag {n}")
    sign_in(page, "bob")
    rows = queue_rows(page)
    expect(rows).to_have_count(3)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("/")
    expect(page.get_by_label("Search")).to_be_focused()
    expect(page.get_by_label("Search")).to_have_value("")  # the slash is not typed into it
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class(re.compile(r"\bcurrent\b"))
    expect(rows.nth(0).get_by_role("link")).to_be_focused()
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bcurrent\b"))
    expect(rows.nth(0)).not_to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("j")
    page.keyboard.press("j")  # past the last: stays there
    expect(rows.nth(2)).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("k")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bcurrent\b"))
    expect(rows.nth(1).get_by_role("link")).to_be_focused()
    # x selects the current row, Enter opens it.
    page.keyboard.press("x")
    expect(rows.nth(1).get_by_role("checkbox")).to_be_checked()
    number = rows.nth(1).get_attribute("data-number")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/staff/requests/{number}/$"))


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_the_queue_and_request_pages_meet_wcag_2_2_aa(page: Page, springfield, who):
    sr = file_request(springfield.pothole, description="Deep hole by the school")
    file_request(springfield.streetlight, description="Lamp out")
    sign_in(page, who)
    found = {"queue": axe_violations(page)}
    page.goto(f"/staff/requests/{sr.service_request_id}/")
    found["request"] = axe_violations(page)
    assert found == {"queue": [], "request": []}, "\n".join(
        f"{where}:\n{describe(violations)}" for where, violations in found.items() if violations
    )


def test_the_analytics_pages_meet_wcag_2_2_aa_and_a_figure_leads_to_its_requests(page: Page, springfield):
    for _ in range(3):
        file_request(springfield.pothole, description="Deep hole by the school")
    file_request(springfield.wellness)  # private: Water's, not carol's
    sign_in(page, "carol")
    page.get_by_role("link", name="Analytics").click()
    expect(page.get_by_role("heading", name="Analytics: Streets and Sanitation", level=1)).to_be_visible()
    found = {"analytics": axe_violations(page)}
    page.locator("#t-services ~ .table-scroll a", has_text="Pothole in Street").click()
    expect(page.locator("tbody tr")).to_have_count(3)
    found["requests"] = axe_violations(page)
    assert found == {"analytics": [], "requests": []}, "\n".join(
        f"{where}:\n{describe(violations)}" for where, violations in found.items() if violations
    )
