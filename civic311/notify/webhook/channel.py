"""The "webhook" channel: each public event of a public request, of a kind an active WebhookEndpoint wants,
becomes a Delivery whose send POSTs signed JSON to the endpoint (docs/notifications.md).

The body is the event as the public API shows it (a GeoReport note: summary, public note, status, time),
plus the event's id and kind and the request's number: nothing a resident could not read on the tracking
page. It is built when the event is dispatched, so a retry sends the same bytes-to-be (the signature's
time is that of each attempt).

Signature: `X-Civic311-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
Receivers check it with the shared secret and reject an old `t` (replays). `X-Civic311-Delivery` is the
same on every attempt of one delivery: receivers drop a repeat by it.

Order: each delivery is sent on its own and a retry waits with backoff, so a later event can arrive
before an earlier one that failed once. Every body carries `event_id` (increasing) and `time`:
receivers order by them.
"""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from civic311.notify import registry
from civic311.notify.models import WebhookEndpoint
from civic311.servicerequests.public import build_note

CHANNEL = "webhook"
KIND = "event"
TIMEOUT_SECONDS = 10
USER_AGENT = "Civic311-Webhook/1"
# Statuses worth another try: the receiver is down or busy. Any other 4xx is its final answer.
RETRYABLE = {408, 425, 429}


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, *, now: float | None = None, tolerance: int = 300) -> bool:
    """Receiver side, for tests and as the reference: the header's MAC matches and t is recent."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


def body_of(event) -> dict:
    request = event.request
    note = build_note(event, request.jurisdiction.tz).model_dump(mode="json")
    return {
        "event_id": event.pk,
        "event": event.kind,
        "time": note["datetime"],
        "service_request_id": request.service_request_id,
        "jurisdiction_id": request.jurisdiction.jurisdiction_id,
        "service_code": request.service.service_code,
        "status": note["status"],
        "status_code": event.status_code,
        "summary": note["summary"],
        "note": note["description"],
    }


def recipients(event) -> list[registry.Recipient]:
    request = event.request
    if not (event.public and request.public):
        return []
    endpoints = [e for e in WebhookEndpoint.objects.filter(active=True).order_by("pk") if e.wants(event.kind)]
    if not endpoints:
        return []
    body = body_of(event)
    return [
        registry.Recipient(
            channel=CHANNEL,
            # the endpoint's id first: two endpoints on one URL each get theirs (the key holds the address)
            address=f"{endpoint.pk} {endpoint.url}",
            kind=KIND,
            payload={"endpoint_id": endpoint.pk, "body": body},
        )
        for endpoint in endpoints
    ]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A signed body goes only to the configured URL: a redirect is an answer, not a new address."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def send(delivery) -> None:
    endpoint = WebhookEndpoint.objects.filter(pk=delivery.payload.get("endpoint_id")).first()
    if endpoint is None or not endpoint.active:
        raise registry.PermanentFailure("The endpoint was removed or turned off")
    if urlsplit(endpoint.url).scheme not in ("http", "https"):
        raise registry.PermanentFailure(f"Not an http(s) URL: {endpoint.url}")
    body = json.dumps(delivery.payload["body"], separators=(",", ":"), sort_keys=True).encode()
    request = urllib.request.Request(  # noqa: S310 (http(s) checked above)
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Civic311-Event": delivery.payload["body"].get("event", ""),
            "X-Civic311-Delivery": delivery.key,
            "X-Civic311-Signature": signature(endpoint.secret, int(time.time()), body),
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
        exc.close()
    # URLError, timeouts, refused connections: raised as they are, retried with backoff
    if 200 <= status < 300:
        return
    if 300 <= status < 400:
        raise registry.PermanentFailure(f"HTTP {status}: redirects are not followed; fix the endpoint's URL")
    if status < 500 and status not in RETRYABLE:
        raise registry.PermanentFailure(f"HTTP {status} from the endpoint")
    raise RuntimeError(f"HTTP {status} from the endpoint")
