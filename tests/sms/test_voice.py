"""The voice line: enter a request number on the keypad to hear its status (English or Spanish), or press 0
for a person."""

import re

import pytest
from defusedxml import ElementTree

from tests.factories import file_request

pytestmark = pytest.mark.django_db


def twiml(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/xml")
    return ElementTree.fromstring(response.content)


def said(root) -> str:
    return " ".join(say.text or "" for say in root.iter("Say"))


def test_a_call_is_asked_for_a_request_number_on_the_keypad(alice, city):
    root = twiml(alice.call())
    gather = root.find("Gather")
    assert gather.get("input") == "dtmf"
    assert gather.get("action") == "/voice/twilio/status?lang=en"
    assert gather.get("finishOnKey") == "#"
    assert "Welcome to Springfield 311" in said(root)
    assert "enter its number on the keypad" in said(root)
    assert "press 0" in said(root)
    assert gather.find("Say").get("language") == "en-US"


def test_the_status_of_a_request_is_said_digit_by_digit(alice, city):
    sr = file_request(city.pothole)
    digits = re.sub(r"[^0-9]", "", sr.service_request_id)
    root = twiml(alice.call("/voice/twilio/status?lang=en", Digits=digits))
    words = said(root)
    assert "we received it and will look at it soon" in words
    assert "Pothole in Street" in words
    assert " ".join(sr.service_request_id.split("-")[1]) in words  # "0 0 0 0 0 1"
    assert "http" not in words
    assert root.find("Gather") is not None  # offered another


def test_an_unknown_number_is_said_so_and_offered_again(alice, city):
    root = twiml(alice.call("/voice/twilio/status?lang=en", Digits="123456789"))
    assert "We found no request with the number 1 2 3 4 5 6 7 8 9" in said(root)
    assert root.find("Gather") is not None


def test_nothing_entered_offers_again(alice, city):
    root = twiml(alice.call("/voice/twilio/status?lang=en", Digits=""))
    assert root.find("Gather") is not None


@pytest.mark.parametrize("digits", ["12*34", "abc", "9" * 50, "١٢٣"])
def test_what_is_not_a_number_is_said_so(alice, city, digits):
    root = twiml(alice.call("/voice/twilio/status?lang=en", Digits=digits))
    assert "That was not a request number." in said(root)


def test_zero_connects_to_the_call_centre(alice, city):
    root = twiml(alice.call("/voice/twilio/status?lang=en", Digits="0"))
    assert root.find("Dial").text == "+13125550311"
    assert "Connecting you with the call centre" in said(root)


def test_without_a_call_centre_number_zero_says_so(alice, city, settings):
    settings.CALL_CENTRE_NUMBER = ""
    root = twiml(alice.call("/voice/twilio/status?lang=en", Digits="0"))
    assert root.find("Dial") is None
    assert "no one can take your call" in said(root)


def test_nine_switches_to_spanish(alice, city):
    sr = file_request(city.pothole)
    root = twiml(alice.call("/voice/twilio/status?lang=en", Digits="9"))
    gather = root.find("Gather")
    assert gather.get("action") == "/voice/twilio/status?lang=es"
    assert gather.find("Say").get("language") == "es-US"
    assert "marque su número en el teclado" in said(root)
    digits = re.sub(r"[^0-9]", "", sr.service_request_id)
    root = twiml(alice.call("/voice/twilio/status?lang=es", Digits=digits))
    assert "lo recibimos y lo revisaremos pronto" in said(root)


def test_an_unknown_language_is_english(alice, city):
    root = twiml(alice.call("/voice/twilio/inbound?lang=xx"))
    assert root.find("Gather").get("action") == "/voice/twilio/status?lang=en"


def test_a_private_request_is_not_said(alice, city):
    sr = file_request(city.wellness)
    digits = re.sub(r"[^0-9]", "", sr.service_request_id)
    root = twiml(alice.call("/voice/twilio/status?lang=en", Digits=digits))
    assert "We found no request" in said(root)
