"""Who gets which text for a domain event: the request's active followers with a phone number, for each
public status change ("status", "closed"), public note ("note") and, for requests not filed by text (the
conversation already answered those with their number), the confirmation. A number that texted STOP gets
nothing."""

from civic311.lib.phones import e164
from civic311.notify.audience import kind_of, language_of
from civic311.notify.registry import Recipient
from civic311.notify.sms import optouts
from civic311.servicerequests.choices import Channel
from civic311.servicerequests.models import Event, Follower

CHANNEL = "sms"


def recipients(event: Event) -> list[Recipient]:
    kind = kind_of(event)
    if kind is None:
        return []
    request = event.request
    if kind == "confirmation" and request.channel == Channel.SMS:
        return []
    followers = [
        (f, e164(f.phone)) for f in Follower.objects.filter(request=request, active=True).exclude(phone="")
    ]
    stopped = optouts.stopped([number for _, number in followers])
    seen: set[str] = set()
    out = []
    for follower, number in followers:
        if not number or number in stopped or number in seen:
            continue
        seen.add(number)
        out.append(
            Recipient(
                channel=CHANNEL,
                address=number,
                kind=kind,
                language=language_of(follower.language, request.reporter_language),
                payload={"follower": follower.pk, "request": request.pk, "event": event.pk},
            )
        )
    return out
