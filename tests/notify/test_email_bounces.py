"""What the mail server answers decides the fate of a delivery: a 5xx for the recipient (a bounce) fails it
for good and pauses everything we send to that address (its follows, its area alerts); a 4xx or a server
that cannot be reached is retried with backoff. Driven through a real SMTP server on loopback that refuses
chosen addresses the way real servers do."""

import pytest
from aiosmtpd.controller import Controller

from civic311.notify import deliveries
from civic311.notify.models import AreaAlert, Delivery, DeliveryStatus, EmailBounce
from civic311.notify.tasks import dispatch_event
from civic311.servicerequests import actions
from civic311.servicerequests.intake import Contact
from tests.factories import file_request
from tests.notify.test_email_updates import STAFF
from tests.servers import free_port
from tests.smtp import Inbox

REFUSED = {
    "gone@example.org": "550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown",
    "busy@example.org": "450 4.2.1 <busy@example.org>: Mailbox busy, try again later",
}


class Picky(Inbox):
    """An inbox that refuses some recipients at RCPT TO with the server's words."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in REFUSED:
            return REFUSED[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"


def point_django_at(settings, port: int) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }


@pytest.fixture
def picky_server(settings):
    inbox = Picky()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    point_django_at(settings, port)
    try:
        yield inbox
    finally:
        controller.stop()


def report_by(city, email: str):
    return file_request(city.pothole, contact=Contact(email=email, first_name="Pat"))


def send_created(request) -> tuple[Delivery, str]:
    event = request.events.get(kind="created")
    dispatch_event.call(event.pk)
    delivery = Delivery.objects.get(event=event, channel="email")
    outcome = deliveries.send(delivery.pk)
    delivery.refresh_from_db()
    return delivery, outcome


def test_a_bounce_fails_the_delivery_for_good_and_pauses_the_follow(city, picky_server):
    request = report_by(city, "gone@example.org")
    delivery, outcome = send_created(request)
    assert outcome == "failed"
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.next_attempt_at is None
    assert "550" in delivery.last_error
    assert "User unknown" in delivery.last_error
    assert not request.followers.get().active
    assert EmailBounce.objects.get().email == "gone@example.org"
    assert picky_server.messages == []


def test_a_bounced_delivery_is_not_sent_again(city, picky_server):
    delivery, _ = send_created(report_by(city, "gone@example.org"))
    assert deliveries.send(delivery.pk) == "skipped"
    assert deliveries.sweep() == 0
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_a_bounce_pauses_every_follow_and_alert_of_that_address_and_nobody_elses(city, picky_server):
    first = report_by(city, "gone@example.org")
    second = report_by(city, "Gone@Example.org")
    alice = file_request(city.pothole)
    alert = AreaAlert.objects.create(
        jurisdiction=city.jurisdiction, email="gone@example.org", district=city.wards[0], confirmed=True
    )
    send_created(first)
    assert not second.followers.get().active
    alert.refresh_from_db()
    assert not alert.active
    assert "550" in alert.paused_reason
    assert alice.followers.get().active


def test_later_updates_to_a_bounced_address_are_not_even_queued(city, picky_server):
    request = report_by(city, "gone@example.org")
    send_created(request)
    event = actions.add_note(request, "Patched", STAFF, public=True)
    dispatch_event.call(event.pk)
    assert not Delivery.objects.filter(event=event, channel="email").exists()


def test_a_temporary_refusal_is_retried_with_backoff(city, picky_server):
    request = report_by(city, "busy@example.org")
    delivery, outcome = send_created(request)
    assert outcome == "retry"
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.next_attempt_at is not None
    assert "450" in delivery.last_error
    assert request.followers.get().active
    assert not EmailBounce.objects.exists()


def test_a_mail_server_that_cannot_be_reached_is_retried(city, settings):
    point_django_at(settings, free_port())  # nothing listens there: connection refused
    request = file_request(city.pothole)
    delivery, outcome = send_created(request)
    assert outcome == "retry"
    assert delivery.status == DeliveryStatus.PENDING
    assert "refused" in delivery.last_error.lower()
    assert request.followers.get().active


def test_a_retried_delivery_is_sent_once_the_server_accepts(city, settings, picky_server):
    request = report_by(city, "busy@example.org")
    delivery, _ = send_created(request)
    del REFUSED["busy@example.org"]
    try:
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)  # its time has come
        assert deliveries.send(delivery.pk) == "sent"
    finally:
        REFUSED["busy@example.org"] = "450 4.2.1 <busy@example.org>: Mailbox busy, try again later"
    assert picky_server.wait_for_message()["To"] == "busy@example.org"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
