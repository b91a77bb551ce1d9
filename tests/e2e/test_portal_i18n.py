"""Switching the resident app's language in a real browser: the page comes back in that language, and
stays in it from page to page."""

import pytest
from playwright.sync_api import Page, expect

from tests.factories import CityFactory


@pytest.fixture
def springfield(transactional_db):
    return CityFactory().build()


def test_switching_to_spanish_translates_the_page_and_the_next_ones(page: Page, live_server_url, springfield):
    page.goto("/offline/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Change language").click()
    expect(page).to_have_url(live_server_url + "/offline/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("No tiene conexión")
    expect(page.get_by_label("Idioma")).to_have_value("es")
    page.get_by_role("link", name="Informar de un problema").first.click()
    expect(page.get_by_role("button", name="Enviar informe")).to_be_visible()


def test_switching_to_polish_and_back_to_english(page: Page, live_server_url, springfield):
    page.goto("/report/")
    page.get_by_label("Language").select_option("pl")
    page.get_by_role("button", name="Change language").click()
    expect(page).to_have_url(live_server_url + "/report/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Zgłoś problem")
    page.get_by_label("Język").select_option("en")
    page.get_by_role("button", name="Zmień język").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a problem")


def test_the_browser_language_is_the_first_guess(browser, live_server_url, springfield):
    context = browser.new_context(base_url=live_server_url, locale="pl-PL")
    try:
        page = context.new_page()
        page.goto("/offline/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Jesteś offline")
    finally:
        context.close()


def test_saved_drafts_are_announced_in_the_chosen_language(page: Page, live_server_url, springfield):
    page.context.add_cookies([{"name": "django_language", "value": "pl", "url": live_server_url}])
    page.goto("/report/")
    page.context.set_offline(True)
    page.locator("#send-report").click()
    expect(page.locator("#draft-status")).to_contain_text("Zapisano na tym urządzeniu")
