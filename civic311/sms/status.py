"""A request's status in plain words, for a text message or a voice: shared by the conversation, the voice
line and the "sms" notification channel."""

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civic311.catalog.models import Jurisdiction
from civic311.servicerequests.choices import Status
from civic311.servicerequests.models import ServiceRequest
from civic311.servicerequests.numbers import normalize_number

NUMBER_MAX_LENGTH = 40
StrOrPromise = str | Promise

PLAIN_WORDS: dict[str, StrOrPromise] = {
    Status.NEW: _("we received it and will look at it soon"),
    Status.ACKNOWLEDGED: _("the city has seen it and will schedule the work"),
    Status.IN_PROGRESS: _("crews are working on it"),
    Status.SCHEDULED: _("the work is scheduled"),
    Status.FIXED: _("it is fixed"),
    Status.CLOSED: _("it is closed"),
    Status.DUPLICATE: _("it was reported already; we follow the first report"),
    Status.REFERRED: _("it was passed to the body responsible for it"),
    Status.NOT_RESPONSIBLE: _("it is not the city's responsibility"),
    Status.NO_FURTHER_ACTION: _("no further action is planned"),
    Status.CANCELLED: _("it was cancelled"),
}


def find_public(jurisdiction: Jurisdiction, text: str) -> ServiceRequest | None:
    """The public request with this number (typed with or without dashes, or keypad digits), else None."""
    text = text.strip()
    if not text or len(text) > NUMBER_MAX_LENGTH:
        return None
    number = normalize_number(text, jurisdiction.request_id_prefix)
    return (
        ServiceRequest.objects.public()
        .filter(jurisdiction=jurisdiction, service_request_id=number)
        .select_related("service", "jurisdiction")
        .first()
    )


def tracking_url(sr: ServiceRequest) -> str:
    return settings.PUBLIC_BASE_URL + reverse("portal:track", args=[sr.service_request_id])


def plain_status(sr: ServiceRequest) -> str:
    return str(PLAIN_WORDS.get(sr.status_code, sr.get_status_code_display()))


def expected_date(sr: ServiceRequest) -> str:
    """The expected date in the jurisdiction's time zone and the active language, or ''."""
    if not sr.expected_datetime or not sr.is_open:
        return ""
    local = timezone.localtime(sr.expected_datetime, sr.jurisdiction.tz)
    return formats.date_format(local, "DATE_FORMAT")


def describe(sr: ServiceRequest, *, link: bool = True) -> str:
    """'SR26-000123-4, Pothole in Street at 100 W Main St: crews are working on it. Expected by …'"""
    where = sr.address or ""
    text = gettext("%(number)s, %(service)s%(where)s: %(status)s.") % {
        "number": sr.service_request_id,
        "service": sr.service.translated("service_name"),
        "where": (gettext(" at %(address)s") % {"address": where}) if where else "",
        "status": plain_status(sr),
    }
    if sr.status_notes and sr.status_code != Status.NEW:
        text += " " + sr.status_notes[:200]
    if expected := expected_date(sr):
        text += " " + gettext("Expected by %(date)s.") % {"date": expected}
    if link:
        text += " " + tracking_url(sr)
    return text
