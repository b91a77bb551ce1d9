"""Reporting a problem in a real browser: with the map, a photo shrunk in the browser and the service's
questions; by keyboard alone; anonymous vs with contact; the "is it one of these?" offer and "me too".
Each state of the page meets WCAG 2.2 AA."""

import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from civic311.servicerequests.choices import FollowerReason
from civic311.servicerequests.models import Follower, Media, ServiceRequest
from tests.e2e.a11y import axe_violations, describe
from tests.factories import INSIDE_WARD_1, CityFactory, file_request

NUMBER = re.compile(r"^SR\d{2}-\d{6}-\d$")


@pytest.fixture
def springfield(transactional_db):
    """The test city, committed so that the server's threads see it."""
    return CityFactory().build()


@pytest.fixture
def big_photo(tmp_path):
    path = tmp_path / "pothole.jpg"
    Image.new("RGB", (3200, 2400), (90, 90, 90)).save(path, format="JPEG")
    return path


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus (the keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_full_report_with_the_map_a_photo_and_the_questions(page: Page, springfield, big_photo):
    page.goto("/report/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a problem")
    map_box = page.locator("#report-map")
    expect(map_box).to_be_visible()
    expect(page.locator("#report-map path.leaflet-interactive, #report-map path")).not_to_have_count(0)
    assert_accessible(page)

    box = map_box.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] / 2)
    expect(page.locator("#id_lat")).not_to_have_value("")

    page.get_by_label("Search for the problem in your words").fill("dark street")
    expect(page.get_by_label("Street Light Out")).to_be_visible()
    expect(page.get_by_label("Pothole in Street")).to_be_hidden()
    page.get_by_label("Street Light Out").check()
    expect(page.get_by_text("Is the light out or flickering?")).to_be_visible()
    page.get_by_label("Completely out").check()
    page.get_by_label("Pole number, if you see one").fill("P-7")

    page.get_by_label(re.compile("Add photos")).set_input_files(big_photo)
    expect(page.get_by_role("img", name="Photo 1")).to_be_visible()
    expect(page.get_by_role("button", name="Send report")).to_be_enabled()
    assert_accessible(page)

    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your report was sent")
    number = page.locator("#request-number").inner_text()
    assert NUMBER.match(number)
    expect(page.get_by_role("link", name="Track this request")).to_have_attribute("href", f"/track/{number}")
    assert_accessible(page)

    sr = ServiceRequest.objects.get(service_request_id=number)
    assert sr.service.service_code == "SFD" and sr.attributes == {"LIGHTOUT": "OUT", "POLE": "P-7"}
    assert sr.channel == "web" and sr.reporter_email == ""
    media = Media.objects.get(request=sr)
    assert max(media.width, media.height) == 1600  # shrunk in the browser before the upload


def test_a_report_by_keyboard_alone(page: Page, springfield):
    page.goto("/report/")
    tab_to(page, "#id_address")
    page.keyboard.type("100 W Main St")
    expect(page.locator("#id_lat")).to_have_value("41.880000")
    tab_to(page, "#category-search")
    page.keyboard.type("pothole")
    expect(page.get_by_label("Street Light Out")).to_be_hidden()
    tab_to(page, "#service-PHF")
    page.keyboard.press("Space")
    expect(page.get_by_text("Where in the street is it?")).to_be_visible()
    tab_to(page, "#id_q_WHERE_0")
    page.keyboard.press("ArrowDown")  # the next choice: Crosswalk
    tab_to(page, "#id_q_SIZE")
    page.keyboard.type("14")
    tab_to(page, "#id_email")
    page.keyboard.type("kay@example.org")
    tab_to(page, "#send-report")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your report was sent")
    sr = ServiceRequest.objects.get()
    assert sr.attributes == {"WHERE": "CROSSWALK", "SIZE": 14} and sr.address == "100 W Main St"
    assert Follower.objects.get(request=sr).email == "kay@example.org"


def test_missed_garbage_needs_contact_and_the_errors_are_summarised_and_linked(page: Page, springfield):
    page.goto("/report/")
    page.get_by_label("Address, intersection or landmark").fill("200 W Main St")
    page.get_by_label("Missed Garbage Pick-Up").check()
    expect(page.get_by_text("Needed for this problem: give an email or a phone number.")).to_be_visible()
    page.get_by_label("Garbage", exact=True).check()
    page.get_by_role("button", name="Send report").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("give an email or a phone number")
    expect(summary).to_be_focused()
    assert not ServiceRequest.objects.exists()
    assert_accessible(page)
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Email")).to_be_focused()
    page.get_by_label("Email").fill("dee@example.org")
    page.get_by_label("Garbage", exact=True).check()  # the choice was kept; checking again is harmless
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your report was sent")
    assert ServiceRequest.objects.get().reporter_email == "dee@example.org"


def test_an_anonymous_pothole_needs_no_contact(page: Page, springfield):
    page.goto("/report/")
    page.get_by_text("Or give coordinates").click()
    page.get_by_label("Latitude").fill(str(INSIDE_WARD_1[0]))
    page.get_by_label("Longitude").fill(str(INSIDE_WARD_1[1]))
    page.get_by_label("Pothole in Street").check()
    expect(
        page.get_by_text("Optional: you can report this without giving your name or contact.")
    ).to_be_visible()
    page.get_by_label("Traffic lane").check()
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your report was sent")
    assert ServiceRequest.objects.get().reporter_email == ""


def test_an_open_pothole_nearby_is_offered_and_me_too_follows_it(page: Page, springfield):
    near = file_request(springfield.pothole, lat=INSIDE_WARD_1[0] + 0.0004, long=INSIDE_WARD_1[1])
    page.goto("/report/")
    page.get_by_label("Address, intersection or landmark").fill("100 W Main St")
    expect(page.locator("#id_lat")).to_have_value("41.880000")
    page.get_by_label("Pothole in Street").check()
    offer = page.get_by_role("heading", name="5. Is it one of these?")
    expect(offer).to_be_visible()
    add_me = page.get_by_role("button", name=f"Add me to {near.service_request_id}")
    expect(add_me).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Email").fill("eve@example.org")
    add_me.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You were added to this request")
    expect(page.locator("#request-number")).to_have_text(near.service_request_id)
    assert ServiceRequest.objects.count() == 1
    follower = Follower.objects.get(request=near, email="eve@example.org")
    assert follower.reason == FollowerReason.ME_TOO


def test_the_home_page_leads_to_the_report_and_to_tracking(page: Page, springfield, live_server_url):
    page.goto("/")
    page.locator("#report-button").click()
    expect(page).to_have_url(live_server_url + "/report/")
    page.goto("/")
    page.get_by_label("Request number").fill("SR26-000001-9")
    page.get_by_role("button", name="Track").click()
    expect(page).to_have_url(live_server_url + "/track/SR26-000001-9")
