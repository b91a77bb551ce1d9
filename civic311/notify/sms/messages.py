"""The text of one sms Delivery, built when it is sent (so it says the request's status at that time), in
the follower's language, in plain words, with the tracking link."""

from django.utils import translation
from django.utils.translation import gettext

from civic311.notify.models import Delivery
from civic311.servicerequests.models import Event, ServiceRequest
from civic311.servicerequests.plain import describe, tracking_url

NOTE_MAX = 300


def build(delivery: Delivery) -> str | None:
    """The message, or None when the request is gone or no longer public."""
    payload = delivery.payload or {}
    sr = (
        ServiceRequest.objects.public()
        .select_related("service", "jurisdiction")
        .filter(pk=payload.get("request") or 0)
        .first()
    )
    if sr is None:
        return None
    with translation.override(delivery.language or "en"):
        city = sr.jurisdiction.name
        if delivery.kind == "note":
            event = Event.objects.public().filter(pk=payload.get("event") or 0).first()
            note = (event.note if event else sr.status_notes)[:NOTE_MAX]
            text = gettext("%(city)s 311, request %(number)s: %(note)s %(link)s") % {
                "city": city,
                "number": sr.service_request_id,
                "note": note,
                "link": tracking_url(sr),
            }
        elif delivery.kind == "confirmation":
            text = gettext("%(city)s 311 received your report. %(status)s") % {
                "city": city,
                "status": describe(sr),
            }
        else:
            text = gettext("%(city)s 311 update: %(status)s") % {"city": city, "status": describe(sr)}
        return text + " " + gettext("Reply STOP to end texts.")
