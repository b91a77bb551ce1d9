"""Status updates by text: the "sms" channel's recipients (followers with a phone, not STOPped) and its
messages, sent through a local server speaking Twilio's REST format (tests/fake_twilio.py)."""

import logging

import pytest

from civic311.notify import deliveries, registry
from civic311.notify.models import Delivery, DeliveryStatus
from civic311.notify.sms import optouts
from civic311.notify.tasks import dispatch_event
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, EventKind, Status
from civic311.servicerequests.intake import Contact
from tests.factories import file_request
from tests.fake_twilio import fake_twilio_fixture  # noqa: F401 (the fake_twilio fixture)

pytestmark = pytest.mark.django_db
STAFF = actions.Actor(channel=Channel.STAFF)


def sms_deliveries(event) -> list[Delivery]:
    dispatch_event.call(event.pk)
    return list(Delivery.objects.filter(event=event, channel="sms"))


def send_all(event) -> list[str]:
    return [deliveries.send(d.pk) for d in sms_deliveries(event)]


def test_the_channel_is_registered():
    assert registry.get_channel("sms").name == "sms"


def test_a_status_change_is_texted_to_the_reporter_in_plain_words(city, fake_twilio):
    sr = file_request(city.pothole)  # alice gave +1 312 555 0100 on the web
    event = actions.change_status(sr, Status.IN_PROGRESS, STAFF, note="Crew on site today")
    assert send_all(event) == ["sent"]
    [text] = fake_twilio.delivered
    assert text.to == "+13125550100"
    assert text.from_ == "+13125550199"
    assert text.body.startswith(f"Springfield 311 update: {sr.service_request_id}, Pothole in Street")
    assert "crews are working on it. Crew on site today" in text.body
    assert f"http://testserver/track/{sr.service_request_id}" in text.body
    assert text.body.endswith("Reply STOP to end texts.")
    delivery = Delivery.objects.get(channel="sms")
    assert delivery.status == DeliveryStatus.SENT and delivery.kind == "status"


def test_a_web_report_is_confirmed_by_text(city, fake_twilio):
    sr = file_request(city.graffiti)
    created = sr.events.get(kind=EventKind.CREATED)
    assert send_all(created) == ["sent"]
    assert "Springfield 311 received your report." in fake_twilio.delivered[0].body


def test_a_report_made_by_text_is_not_confirmed_twice(city, fake_twilio):
    sr = file_request(city.graffiti, channel=Channel.SMS)
    assert sms_deliveries(sr.events.get(kind=EventKind.CREATED)) == []


def test_a_public_note_is_texted_and_an_internal_one_is_not(city, fake_twilio):
    sr = file_request(city.graffiti)
    public = actions.add_note(sr, "We will paint over it on Monday", STAFF, public=True)
    internal = actions.add_note(sr, "Ask Dave about the paint", STAFF, public=False)
    assert sms_deliveries(internal) == []
    assert send_all(public) == ["sent"]
    assert "We will paint over it on Monday" in fake_twilio.delivered[0].body


def test_updates_are_in_the_followers_language(city, fake_twilio):
    contact = Contact(phone="+13125550100", language="es")
    sr = file_request(city.pothole, contact=contact, channel=Channel.SMS)
    send_all(actions.change_status(sr, Status.FIXED, STAFF))
    body = fake_twilio.delivered[0].body
    assert body.startswith("Novedad del 311 de Springfield")
    assert "está arreglado" in body
    assert body.endswith("Responda PARAR para no recibir más textos.")


def test_followers_without_a_phone_or_no_longer_following_get_no_text(city, fake_twilio):
    sr = file_request(city.pothole, contact=Contact(email="alice@example.org"))
    follower = actions.add_follower(sr, actions.Actor(channel=Channel.WEB), phone="+1 312 555 0122")
    follower.active = False
    follower.save()
    assert sms_deliveries(actions.change_status(sr, Status.FIXED, STAFF)) == []


def test_one_number_gets_one_text_however_it_was_written(city, fake_twilio):
    sr = file_request(city.pothole)  # +1 312 555 0100
    actions.add_follower(sr, actions.Actor(channel=Channel.WEB), phone="(312) 555-0100")
    assert len(sms_deliveries(actions.change_status(sr, Status.FIXED, STAFF))) == 1


def test_a_number_that_said_stop_gets_nothing(city, fake_twilio):
    sr = file_request(city.pothole)
    optouts.stop("+13125550100")
    assert sms_deliveries(actions.change_status(sr, Status.FIXED, STAFF)) == []


def test_a_text_queued_before_stop_is_paused_not_sent(city, fake_twilio):
    sr = file_request(city.pothole)
    [delivery] = sms_deliveries(actions.change_status(sr, Status.FIXED, STAFF))
    optouts.stop("+13125550100")
    deliveries.send(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PAUSED
    assert fake_twilio.sent == []


def test_an_invalid_number_fails_for_good(city, fake_twilio):
    sr = file_request(city.pothole)
    fake_twilio.fail(400, 21211, "The 'To' number +13125550100 is not a valid phone number.")
    assert send_all(actions.change_status(sr, Status.FIXED, STAFF)) == ["failed"]
    delivery = Delivery.objects.get(channel="sms")
    assert delivery.status == DeliveryStatus.FAILED
    assert "21211" in delivery.last_error and delivery.next_attempt_at is None


def test_a_number_unsubscribed_at_the_provider_is_marked_stopped(city, fake_twilio):
    sr = file_request(city.pothole)
    fake_twilio.fail(400, 21610, "Attempt to send to unsubscribed recipient")
    assert send_all(actions.change_status(sr, Status.FIXED, STAFF)) == ["failed"]
    assert optouts.is_stopped("+13125550100")


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_provider_error_is_retried_later(city, fake_twilio, status):
    sr = file_request(city.pothole)
    fake_twilio.fail(status, 20500, "Internal Server Error")
    assert send_all(actions.change_status(sr, Status.FIXED, STAFF)) == ["retry"]
    delivery = Delivery.objects.get(channel="sms")
    assert delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at is not None
    assert "ProviderUnavailable" in delivery.last_error


def test_a_timeout_is_retried_later(city, fake_twilio, monkeypatch):
    from civic311.notify.sms import transport

    monkeypatch.setattr(transport, "TIMEOUT", 0.3)
    fake_twilio.stall(1.0)
    sr = file_request(city.pothole)
    assert send_all(actions.change_status(sr, Status.FIXED, STAFF)) == ["retry"]


def test_wrong_credentials_fail(city, fake_twilio, settings):
    settings.TWILIO_AUTH_TOKEN = "not-the-token"
    sr = file_request(city.pothole)
    assert send_all(actions.change_status(sr, Status.FIXED, STAFF)) == ["failed"]
    assert "20003" in Delivery.objects.get(channel="sms").last_error


def test_the_console_provider_writes_the_text_to_the_log(city, settings, caplog):
    settings.SMS_PROVIDER = "console"
    sr = file_request(city.pothole)
    with caplog.at_level(logging.INFO, logger="civic311.notify.sms.transport"):
        assert send_all(actions.change_status(sr, Status.FIXED, STAFF)) == ["sent"]
    assert "SMS to +13125550100: Springfield 311 update:" in caplog.text


def test_a_private_request_is_not_texted(city, fake_twilio):
    sr = file_request(city.wellness)
    for delivery in sms_deliveries(actions.change_status(sr, Status.FIXED, STAFF)):
        deliveries.send(delivery.pk)
    assert fake_twilio.sent == []
