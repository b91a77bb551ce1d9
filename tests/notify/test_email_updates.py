"""Email updates to a request's followers, read as they arrive at a real SMTP server on loopback:
confirmation, status change, public note, closure with the survey; in each follower's language; plain text
and HTML; never internal notes nor anyone else's contact details; one email per event however often it is
dispatched."""

import re

import pytest

from civic311.notify import deliveries
from civic311.notify.models import Delivery, DeliveryStatus
from civic311.notify.tasks import dispatch_event
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Status
from civic311.servicerequests.intake import Contact
from tests.factories import file_request
from tests.smtp import smtp_server  # noqa: F401  (the fixture)

STAFF = actions.Actor(channel="web")


@pytest.fixture
def inbox(smtp_server):  # noqa: F811
    """The loopback SMTP server's inbox (tests.smtp), Django's SMTP backend pointed at it."""
    return smtp_server


def deliver(event) -> list[str]:
    """What the worker does for an event: dispatch it to the channels, send each email delivery."""
    dispatch_event.call(event.pk)
    return [
        deliveries.send(d.pk) for d in Delivery.objects.filter(event=event, channel="email").order_by("pk")
    ]


def created_event(request):
    return request.events.get(kind="created")


def html_of(message) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return part.get_content()


def text_of(message) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


@pytest.fixture
def request_by_alice(city):
    return file_request(city.pothole, description="Deep hole by the bus stop")


def test_the_reporter_gets_a_confirmation_with_the_number_and_the_tracking_link(request_by_alice, inbox):
    assert deliver(created_event(request_by_alice)) == ["sent"]
    message = inbox.wait_for_message()
    number = request_by_alice.service_request_id
    assert message["To"] == "alice@example.org"
    assert number in message["Subject"]
    assert "Pothole in Street" in message["Subject"]
    text = text_of(message)
    assert f"http://testserver/track/{number}" in text
    assert "Hello Alice," in text
    assert f'href="http://testserver/track/{number}"' in html_of(message)
    assert message["Content-Language"] == "en"


def test_each_message_has_a_plain_text_and_an_html_part_and_an_unsubscribe_link(request_by_alice, inbox):
    deliver(created_event(request_by_alice))
    message = inbox.wait_for_message()
    assert message.is_multipart()
    assert {part.get_content_type() for part in message.walk()} >= {"text/plain", "text/html"}
    link = re.search(r"<(http://testserver/notify/unsubscribe/[^>]+)>", message["List-Unsubscribe"]).group(1)
    assert link in text_of(message)
    assert link in html_of(message)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_public_status_change_is_mailed_with_its_note(request_by_alice, inbox):
    event = actions.change_status(request_by_alice, Status.SCHEDULED, STAFF, note="Crew booked for Monday")
    deliver(event)
    message = inbox.wait_for_message()
    assert message["Subject"] == f"Request {request_by_alice.service_request_id}: Scheduled"
    assert "Crew booked for Monday" in text_of(message)
    assert "is now: Scheduled" in text_of(message)


def test_a_public_note_is_mailed(request_by_alice, inbox):
    event = actions.add_note(request_by_alice, "We marked the spot & will patch it", STAFF, public=True)
    deliver(event)
    message = inbox.wait_for_message()
    assert "an update" in message["Subject"]
    assert "We marked the spot & will patch it" in text_of(message)  # plain text is not HTML-escaped
    assert "We marked the spot &amp; will patch it" in html_of(message)


def test_internal_notes_and_internal_status_changes_are_never_mailed(request_by_alice, inbox):
    note = actions.add_note(request_by_alice, "Caller sounded drunk", STAFF, public=False)
    status = actions.change_status(
        request_by_alice, Status.IN_PROGRESS, STAFF, note="budget code 7", public=False
    )
    assert deliver(note) == []
    assert deliver(status) == []
    assert inbox.messages == []


def test_closing_a_request_mails_the_survey_link(request_by_alice, inbox):
    event = actions.change_status(request_by_alice, Status.FIXED, STAFF, note="Patched")
    deliver(event)
    message = inbox.wait_for_message()
    assert "closed" in message["Subject"]
    assert "Fixed" in message["Subject"]
    survey = re.search(r"http://testserver/notify/survey/\S+", text_of(message)).group(0)
    for score in range(1, 6):
        assert f"{survey}?score={score}" in html_of(message)


def test_every_follower_gets_their_own_email_and_never_sees_another_address(request_by_alice, inbox):
    actions.add_follower(request_by_alice, STAFF, email="bob@example.net", name="Bob", reason="me_too")
    deliver(actions.add_note(request_by_alice, "Cones placed", STAFF, public=True))
    inbox.wait_for_message(2)
    by_address = {m["To"]: m for m in inbox.messages}
    assert set(by_address) == {"alice@example.org", "bob@example.net"}
    for address, message in by_address.items():
        other = "bob@example.net" if address == "alice@example.org" else "alice@example.org"
        assert other not in message.as_string()
        assert "+1 312 555 0100" not in message.as_string() and "3125550100" not in message.as_string()
    assert [rcpts for _sender, rcpts in inbox.envelopes] in (
        [["alice@example.org"], ["bob@example.net"]],
        [["bob@example.net"], ["alice@example.org"]],
    )


def test_dispatching_an_event_twice_sends_one_email(request_by_alice, inbox):
    event = created_event(request_by_alice)
    assert deliver(event) == ["sent"]
    assert deliver(event) == ["skipped"]
    dispatch_event.call(event.pk)
    assert Delivery.objects.filter(event=event, channel="email").count() == 1
    inbox.wait_for_message()
    assert len(inbox.messages) == 1


@pytest.mark.parametrize(
    ("language", "subject", "words"),
    [
        ("es", "Solicitud {n} recibida: Pothole in Street", "Hemos recibido su solicitud"),
        ("pl", "Zgłoszenie {n} przyjęte: Pothole in Street", "Przyjęliśmy Twoje zgłoszenie"),
        ("es-MX", "Solicitud {n} recibida: Pothole in Street", "Sígala en línea"),
        ("fr", "Request {n} received: Pothole in Street", "We have received your request"),
    ],
)
def test_the_reporter_is_written_to_in_their_language(city, inbox, language, subject, words):
    contact = Contact(email="ana@example.org", first_name="Ana", language=language)
    request = file_request(city.pothole, contact=contact)
    deliver(created_event(request))
    message = inbox.wait_for_message()
    assert message["Subject"] == subject.format(n=request.service_request_id)
    assert words in text_of(message)


def test_the_service_name_is_in_the_followers_language_when_translated(city, inbox):
    city.pothole.translations = {"es": {"service_name": "Bache en la calle"}}
    city.pothole.save()
    request = file_request(city.pothole, contact=Contact(email="ana@example.org", language="es"))
    deliver(created_event(request))
    assert "Bache en la calle" in inbox.wait_for_message()["Subject"]


def test_the_status_word_is_translated_in_spanish_and_polish(city, inbox):
    es = file_request(city.pothole, contact=Contact(email="ana@example.org", language="es"))
    pl = file_request(city.pothole, contact=Contact(email="jan@example.org", language="pl"))
    deliver(actions.change_status(es, Status.IN_PROGRESS, STAFF))
    deliver(actions.change_status(pl, Status.IN_PROGRESS, STAFF))
    inbox.wait_for_message(2)
    by_address = {m["To"]: m for m in inbox.messages}
    assert "está ahora: En curso." in text_of(by_address["ana@example.org"])
    assert by_address["ana@example.org"]["Subject"] == f"Solicitud {es.service_request_id}: En curso"
    assert "ma teraz stan: W realizacji." in text_of(by_address["jan@example.org"])
    assert "Stan: W realizacji" in text_of(by_address["jan@example.org"])


def test_an_anonymous_request_mails_nobody(city, inbox):
    request = file_request(city.pothole, contact=Contact())
    assert deliver(created_event(request)) == []
    assert Delivery.objects.filter(channel="email").count() == 0


def test_a_follower_who_stopped_following_gets_nothing_more(request_by_alice, inbox):
    event = actions.add_note(request_by_alice, "Cones placed", STAFF, public=True)
    dispatch_event.call(event.pk)
    request_by_alice.followers.update(active=False)  # stopped between dispatch and send
    delivery = Delivery.objects.get(event=event, channel="email")
    deliveries.send(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PAUSED
    assert inbox.messages == []


def test_a_report_reaches_the_inbox_through_the_real_pipeline(
    city, settings, inbox, django_capture_on_commit_callbacks
):
    """From submit_request to the mail server with nothing called by hand: the event is announced after
    commit, dispatched and sent by the task backend (run at once here)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        request = file_request(city.pothole)
    message = inbox.wait_for_message()
    assert message["To"] == "alice@example.org"
    assert request.service_request_id in message["Subject"]
    assert Delivery.objects.get(channel="email").status == DeliveryStatus.SENT
