"""Who gets which email for a domain event.

- The request's active followers with an email (its reporter first: submit_request makes them one):
  "confirmation" when it is created, "status" on each public status change, "note" on each public note,
  "closed" (with the satisfaction survey) when a public status change closes it.
- Area alerts sent at once ("alert"): confirmed, active, immediate alerts whose area and services match a
  new public request or the closure of one (civic311.notify.alerts).

Internal events reach nobody; the payload names only the follower or alert it is for, never anyone else's
contact details. The message itself is built when it is sent (email.messages).
"""

from django.conf import settings

from civic311.notify import alerts
from civic311.notify.registry import Recipient
from civic311.servicerequests.choices import CLOSED_STATUSES, EventKind
from civic311.servicerequests.models import Event, Follower, FollowerReason

CHANNEL = "email"


def language_of(code: str, *fallbacks: str) -> str:
    """The first of the codes we have templates for ("es-MX" counts as "es"), else the site's."""
    available = {code for code, _name in settings.LANGUAGES}
    for candidate in (code, *fallbacks):
        short = (candidate or "").split("-")[0].split("_")[0].lower()
        if short in available:
            return short
    return settings.LANGUAGE_CODE


def follower_language(follower: Follower) -> str:
    """A follower's language; for the reporter, the one given with the report if the follower row has none."""
    fallback = follower.request.reporter_language if follower.reason == FollowerReason.REPORTER else ""
    return language_of(follower.language, fallback)


def kind_of(event: Event) -> str | None:
    """The kind of follower email an event makes, or None for an event followers do not hear of."""
    if not event.public:
        return None
    if event.kind == EventKind.CREATED:
        return "confirmation"
    if event.kind == EventKind.NOTE:
        return "note"
    if event.kind == EventKind.STATUS_CHANGED:
        before, after = (event.data or {}).get("from"), (event.data or {}).get("to", event.status_code)
        if after in CLOSED_STATUSES and before not in CLOSED_STATUSES:
            return "closed"
        return "status"
    if event.kind == EventKind.MARKED_DUPLICATE:
        return "status"
    return None


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
