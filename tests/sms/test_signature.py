"""The webhooks take only what Twilio signed: anything else is refused and stores nothing."""

import pytest

from civic311.servicerequests.models import ServiceRequest
from civic311.sms.models import Conversation, Message
from civic311.sms.twilio import signature
from tests.sms.conftest import ACCOUNT_SID, ALICE, TWILIO_NUMBER, sign

pytestmark = pytest.mark.django_db

# Twilio's own example (its helper libraries test against it).
EXAMPLE_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
EXAMPLE_FIELDS = {
    "CallSid": ["CA1234567890ABCDE"],
    "Digits": ["1234"],
    "From": ["+14158675309"],
    "To": ["+18005551212"],
    "Caller": ["+14158675309"],
}


def nothing_stored() -> bool:
    return (
        not Message.objects.exists()
        and not Conversation.objects.exists()
        and not ServiceRequest.objects.exists()
    )


def test_the_signature_is_twilios_for_its_published_example():
    assert signature("12345", EXAMPLE_URL, EXAMPLE_FIELDS) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_repeated_fields_are_signed_value_by_value_in_order():
    fields = {"Sid": ["CA123"], "SidAccount": ["AC123"], "Digits": ["5678", "1234"]}
    assert signature("12345", EXAMPLE_URL, fields) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_a_signed_text_is_answered_with_twiml(alice):
    response = alice.text("HELP")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?><Response><Message>')


@pytest.mark.parametrize("bad", ["", "not-a-signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8="])
def test_an_unsigned_or_wrongly_signed_text_is_refused_and_nothing_is_stored(alice, bad):
    fields = {"MessageSid": "SM" + "1" * 32, "From": ALICE, "To": TWILIO_NUMBER, "Body": "NEW"}
    response = alice.post("/sms/twilio/inbound", fields, signature=bad)
    assert response.status_code == 403
    assert nothing_stored()


def test_a_signature_for_other_fields_is_refused(alice):
    signed = {"MessageSid": "SM" + "1" * 32, "From": ALICE, "To": TWILIO_NUMBER, "Body": "STATUS"}
    sent = {**signed, "Body": "STOP"}
    response = alice.post(
        "/sms/twilio/inbound", sent, signature=sign("http://testserver/sms/twilio/inbound", signed)
    )
    assert response.status_code == 403
    assert nothing_stored()


def test_a_signature_for_another_address_is_refused(alice):
    fields = {"MessageSid": "SM" + "1" * 32, "From": ALICE, "To": TWILIO_NUMBER, "Body": "HELP"}
    response = alice.post(
        "/sms/twilio/inbound", fields, signature=sign("http://elsewhere/sms/twilio/inbound", fields)
    )
    assert response.status_code == 403


def test_the_signature_is_checked_against_the_public_address_not_the_host_header(alice, settings):
    settings.PUBLIC_BASE_URL = "https://311.example.org"
    fields = {"MessageSid": "SM" + "1" * 32, "From": ALICE, "To": TWILIO_NUMBER, "Body": "HELP"}
    good = sign("https://311.example.org/sms/twilio/inbound", fields)
    assert alice.post("/sms/twilio/inbound", fields, signature=good).status_code == 200
    assert (
        alice.post(
            "/sms/twilio/inbound", fields, signature=sign("http://testserver/sms/twilio/inbound", fields)
        ).status_code
        == 403
    )


def test_without_an_auth_token_configured_nothing_is_taken(alice, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    assert alice.text("HELP").status_code == 403
    assert nothing_stored()


def test_a_get_is_not_a_webhook(client, city):
    assert client.get("/sms/twilio/inbound").status_code == 405
    assert client.get("/voice/twilio/inbound").status_code == 405


def test_a_call_must_be_signed_too(alice):
    fields = {"CallSid": "CA" + "1" * 32, "From": ALICE, "To": TWILIO_NUMBER}
    assert alice.post("/voice/twilio/inbound", fields, signature="").status_code == 403
    assert alice.post("/voice/twilio/status", {**fields, "Digits": "0"}, signature="x").status_code == 403


def test_no_csrf_token_is_needed(city, settings):
    from django.test import Client

    from tests.sms.conftest import Phone

    phone = Phone(Client(enforce_csrf_checks=True))
    assert phone.text("HELP").status_code == 200


@pytest.mark.parametrize(
    "fields",
    [
        {"MessageSid": "SM" + "1" * 32, "From": "alice", "Body": "HELP"},
        {"MessageSid": "SM" + "1" * 32, "From": "", "Body": "HELP"},
        {"MessageSid": "", "From": ALICE, "Body": "HELP"},
        {"MessageSid": "SM<script>", "From": ALICE, "Body": "HELP"},
        {"MessageSid": "SM" + "1" * 100, "From": ALICE, "Body": "HELP"},
    ],
)
def test_malformed_fields_are_refused_with_400_and_nothing_is_stored(alice, fields):
    response = alice.post("/sms/twilio/inbound", {"AccountSid": ACCOUNT_SID, **fields})
    assert response.status_code == 400
    assert nothing_stored()


def test_an_oversized_webhook_is_refused_before_it_is_read(alice):
    response = alice.text("x" * 70_000)
    assert response.status_code == 413
    assert nothing_stored()


def test_a_silly_media_count_is_not_trusted(alice):
    assert alice.says("HELP", NumMedia="999999999999")
    assert alice.says("HELP", NumMedia="many")
