"""Sending one text: SMS_PROVIDER "console" (written to the log, for a trial) or "twilio" (a POST to
TWILIO_API_BASE/2010-04-01/Accounts/{sid}/Messages.json with basic auth, as Twilio's REST API takes it).

The provider's answer decides what happens:
- 4xx (an invalid or unreachable number, a number that opted out with the carrier) -> PermanentFailure:
  failed, never retried; 21610 (the number said STOP to the provider) also marks the number stopped here;
- 429 (too many requests), 5xx, a refused connection, a timeout -> the exception goes up and the
  delivery is retried with backoff.
"""

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from base64 import b64encode

from django.conf import settings

from civic311.notify.models import Delivery, DeliveryStatus
from civic311.notify.registry import PermanentFailure
from civic311.notify.sms import messages, optouts

log = logging.getLogger(__name__)

TIMEOUT = 15  # seconds
UNSUBSCRIBED = 21610  # Twilio: "Attempt to send to unsubscribed recipient"


class ProviderUnavailable(Exception):
    """The provider could not take the message now (5xx, 429, network): retried."""


def messages_url() -> str:
    sid = urllib.parse.quote(settings.TWILIO_ACCOUNT_SID, safe="")
    return f"{settings.TWILIO_API_BASE}/2010-04-01/Accounts/{sid}/Messages.json"


def send_text(to: str, body: str, media_urls: list[str] | None = None) -> str:
    """Send one text now; returns the provider's message id ('' on the console)."""
    if settings.SMS_PROVIDER != "twilio":
        log.info("SMS to %s: %s", to, body)
        return ""
    fields = [("To", to), ("From", settings.SMS_FROM), ("Body", body)]
    fields += [("MediaUrl", url) for url in media_urls or []]
    auth = b64encode(f"{settings.TWILIO_ACCOUNT_SID}:{settings.TWILIO_AUTH_TOKEN}".encode()).decode()
    request = urllib.request.Request(  # noqa: S310 (the configured API root)
        messages_url(),
        data=urllib.parse.urlencode(fields).encode(),
        headers={
            "Authorization": f"Basic {auth}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            answer = json.loads(response.read(100_000) or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            error = json.loads(exc.read(100_000) or b"{}")
        except ValueError:
            error = {}
        words = f"{exc.code} {error.get('code', '')} {error.get('message', exc.reason)}".strip()
        if exc.code == 429 or exc.code >= 500:
            raise ProviderUnavailable(words) from exc
        if error.get("code") == UNSUBSCRIBED:
            optouts.stop(to)
        raise PermanentFailure(words) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ProviderUnavailable(f"{type(exc).__name__}: {exc}") from exc
    except ValueError as exc:  # a 2xx without JSON: it was accepted, we just cannot read its id
        log.warning("SMS provider answered without JSON: %s", exc)
        return ""
    return str(answer.get("sid", ""))


def send(delivery: Delivery) -> None:
    """Transmit one sms Delivery (the sms channel's `send`)."""
    if optouts.is_stopped(delivery.address):
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PAUSED, last_error="Not sent: the number said STOP"
        )
        return
    body = messages.build(delivery)
    if body is None:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.PAUSED, last_error="Not sent: the request is no longer public"
        )
        return
    send_text(delivery.address, body)
