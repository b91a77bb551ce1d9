"""Who gets which email for a domain event.

- The request's active followers with an email (its reporter first: submit_request makes them one):
  "confirmation" when it is created, "status" on each public status change, "note" on each public note,
  "closed" (with the satisfaction survey) when a public status change closes it.
- Area alerts sent at once ("alert"): confirmed, active, immediate alerts whose area and services match a
  new public request or the closure of one (civic311.notify.alerts).

Internal events reach nobody; the payload names only the follower or alert it is for, never anyone else's
contact details. The message itself is built when it is sent (email.messages).
"""

from civic311.notify import alerts
from civic311.notify.audience import follower_language, kind_of, language_of
from civic311.notify.registry import Recipient
from civic311.servicerequests.models import Event, Follower

CHANNEL = "email"


def follower_recipients(event: Event) -> list[Recipient]:
    kind = kind_of(event)
    if kind is None:
        return []
    request = event.request
    followers = Follower.objects.filter(request=request, active=True).exclude(email="")
    return [
        Recipient(
            channel=CHANNEL,
            address=follower.email,
            kind=kind,
            language=follower_language(follower),
            payload={"follower": follower.pk, "request": request.pk},
        )
        for follower in followers
    ]


def alert_recipients(event: Event) -> list[Recipient]:
    what = alerts.what_happened(event)
    if what is None:
        return []
    seen: set[str] = set()
    out = []
    for alert in alerts.matching_alerts(event.request, what, immediate=True):
        if alert.email.lower() in seen:  # one email per address, however many of its alerts match
            continue
        seen.add(alert.email.lower())
        out.append(
            Recipient(
                channel=CHANNEL,
                address=alert.email,
                kind="alert",
                language=language_of(alert.language),
                payload={"alert": alert.pk, "request": event.request_id, "what": what},
            )
        )
    return out


def recipients(event: Event) -> list[Recipient]:
    """Everyone the email channel writes to about this event."""
    return follower_recipients(event) + alert_recipients(event)
