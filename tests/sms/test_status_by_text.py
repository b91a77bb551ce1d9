"""Asking for a request's status by text: 'STATUS SR26-000123-4', the number alone, keypad digits."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, Status
from tests.factories import file_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def pothole(city):
    sr = file_request(city.pothole)
    sr.expected_datetime = timezone.now() + timedelta(days=5)
    sr.save(update_fields=["expected_datetime"])
    return sr


def test_status_and_a_number_answers_in_plain_words_with_the_expected_date_and_a_link(alice, pothole):
    reply = alice.says(f"STATUS {pothole.service_request_id}")
    assert pothole.service_request_id in reply
    assert "Pothole in Street" in reply
    assert "we received it and will look at it soon" in reply
    assert "Expected by" in reply
    assert f"http://testserver/track/{pothole.service_request_id}" in reply


def test_the_number_alone_is_enough(alice, pothole):
    assert "we received it" in alice.says(pothole.service_request_id.lower())


def test_keypad_digits_find_the_request(alice, pothole):
    digits = re.sub(r"[^0-9]", "", pothole.service_request_id)
    assert pothole.service_request_id in alice.says(f"status {digits}")


def test_the_answer_follows_the_status(alice, pothole, city):
    actions.change_status(
        pothole, Status.IN_PROGRESS, actions.Actor(channel=Channel.STAFF), note="Crew on site"
    )
    reply = alice.says(f"STATUS {pothole.service_request_id}")
    assert "crews are working on it" in reply
    assert "Crew on site" in reply


def test_a_closed_request_has_no_expected_date(alice, pothole):
    actions.change_status(pothole, Status.FIXED, actions.Actor(channel=Channel.STAFF))
    reply = alice.says(f"STATUS {pothole.service_request_id}")
    assert "it is fixed" in reply
    assert "Expected" not in reply


def test_an_unknown_number_is_said_to_be_unknown(alice, city):
    reply = alice.says("STATUS SR26-999999-9")
    assert "We found no request numbered SR26-999999-9" in reply


def test_status_without_a_number_explains_itself(alice, city):
    assert "Send STATUS and the request number" in alice.says("status")


def test_a_private_request_is_not_disclosed(alice, city):
    private = file_request(city.wellness)
    reply = alice.says(f"STATUS {private.service_request_id}")
    assert "We found no request" in reply
    assert "Wellness" not in reply


def test_a_short_number_alone_is_taken_for_a_request_number(alice, city):
    assert "We found no request numbered 12345" in alice.says("12345")
