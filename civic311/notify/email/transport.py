"""Sending one email Delivery through Django's default mailer (MAILERS["default"], from EMAIL_URL).

The mail server's answer decides what happens:
- 5xx for the recipient (a bounce: no such mailbox, domain refuses) -> the address's subscriptions
  (followers, area alerts) are paused and PermanentFailure is raised: failed, never retried;
- 5xx to the message itself -> PermanentFailure (nothing to pause: another message may pass);
- 4xx (mailbox busy, greylisting), a refused or dropped connection, a timeout -> the exception goes up
  and the delivery is retried with backoff.
"""

import smtplib

from django.db import transaction
from django.utils import timezone

from civic311.notify import alerts
from civic311.notify.email import messages
from civic311.notify.models import Delivery, DeliveryStatus, EmailBounce
from civic311.notify.registry import PermanentFailure
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel


def pause_address(email: str, error: str) -> None:
    """Stop everything we send to a bounced address: its follows and its area alerts."""
    with transaction.atomic():
        actions.stop_following_address(
            email, actions.Actor(channel=Channel.EMAIL), why=f"bounced: {error[:200]}"
        )
        alerts.pause_address(email, f"Bounced: {error}")
        EmailBounce.objects.create(email=email, error=error[:500], created_at=timezone.now())


def _permanent_refusal(exc: smtplib.SMTPRecipientsRefused) -> str | None:
    """The server's words if it refused the recipient for good (5xx), else None (4xx: try again)."""
    answers = list(exc.recipients.values())
    if answers and all(int(code) >= 500 for code, _text in answers):
        code, text = answers[0]
        words = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        return f"{code} {words}"
    return None


def send(delivery: Delivery) -> None:
    """Transmit one email Delivery (the email channel's `send`)."""
    message = messages.build(delivery)
    if message is None:
        # Unsubscribed or paused since it was queued: kept in the log as paused, nothing sent. (The
        # pipeline only writes "sent" over a row still "sending", so this status stays.)
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PAUSED, last_error="Not sent: unsubscribed or paused"
        )
        return
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        refusal = _permanent_refusal(exc)
        if refusal is None:
            raise
        pause_address(delivery.address, refusal)
        raise PermanentFailure(f"Bounced: {refusal}") from exc
    except smtplib.SMTPSenderRefused:
        raise  # our From is refused: a configuration problem, retried while someone fixes it
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code >= 500:
            words = (
                exc.smtp_error.decode(errors="replace")
                if isinstance(exc.smtp_error, bytes)
                else exc.smtp_error
            )
            raise PermanentFailure(f"Refused: {exc.smtp_code} {words}") from exc
        raise
