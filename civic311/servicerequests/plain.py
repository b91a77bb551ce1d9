"""A request's status in plain words, the one place every channel takes them from: the short form for a
text message or the voice line (describe, plain_status: the conversation, the voice line, the "sms"
notification channel) and the dated sentence an agent reads out to a caller (status_in_words: the
call-centre intake)."""

from datetime import datetime, tzinfo
from typing import Any, Protocol

from django.conf import settings
from django.urls import reverse
from django.utils import dateformat, formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from civic311.catalog.models import Jurisdiction
from civic311.routing import estimates
from civic311.routing.estimates import Typical
from civic311.servicerequests.choices import CLOSED_STATUSES, Status
from civic311.servicerequests.models import ServiceRequest
from civic311.servicerequests.numbers import normalize_number

NUMBER_MAX_LENGTH = 40
NOTE_WORDS = 120  # longest referral note read out, in characters
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


def _days(n: int) -> str:
    return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}


def typical_time(typical: Typical | None) -> str:
    """What actually happens to requests like this, in a sentence ('' before any estimate exists):
    'Most requests like this are done within 4 days (the median of 1,204 similar requests done in the last
    12 months; 9 in 10 within 11 days).' With too little history, it says so instead of guessing."""
    if typical is None:
        return ""
    count = formats.number_format(typical.based_on, force_grouping=True)
    if not typical.enough or typical.typical_days is None or typical.p90_days is None:
        return ngettext(
            "Only %(count)s similar request was done in the last 12 months: too few to say how long these"
            " usually take.",
            "Only %(count)s similar requests were done in the last 12 months: too few to say how long these"
            " usually take.",
            typical.based_on,
        ) % {"count": count}
    where = gettext(" in %(district)s") % {"district": typical.district_name} if typical.district_name else ""
    return gettext(
        "Most requests like this are done within %(typical)s (the median of %(count)s similar requests done"
        "%(where)s in the last 12 months; 9 in 10 within %(p90)s)."
    ) % {
        "typical": _days(typical.typical_days),
        "count": count,
        "where": where,
        "p90": _days(typical.p90_days),
    }


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
    if sr.is_open and (typical := typical_time(estimates.for_request(sr))):
        text += " " + typical
    if link:
        text += " " + tracking_url(sr)
    return text


# --- the dated sentence an agent reads out ---------------------------------------------------------------


class RequestLike(Protocol):
    """What status_in_words reads of a request (a ServiceRequest, or a stand-in in tests)."""

    status_code: str
    status_notes: str
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime | None
    closed_datetime: datetime | None
    parent: Any


def day_in_words(when: datetime, now: datetime, tz: tzinfo) -> str:
    """'Monday 23 November' in the jurisdiction's time zone; the year only when it is not this year's."""
    local = when.astimezone(tz)
    text = dateformat.format(local, "l j F")
    return text if local.year == now.astimezone(tz).year else f"{text} {local.year}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _open_words(request: RequestLike, now: datetime, tz: tzinfo, since: datetime) -> str:
    received = day_in_words(request.requested_datetime, now, tz)
    moved = day_in_words(since, now, tz)
    status = request.status_code
    if status == Status.IN_PROGRESS:
        base = gettext("In progress since %(date)s") % {"date": moved}
    elif status == Status.SCHEDULED:
        base = gettext("Work scheduled since %(date)s") % {"date": moved}
    elif status == Status.ACKNOWLEDGED:
        base = gettext("Received on %(received)s and acknowledged on %(date)s") % {
            "received": received,
            "date": moved,
        }
    else:  # new, or reopened: what the caller remembers is when it was received
        base = gettext("Received on %(date)s") % {"date": received}
    expected = request.expected_datetime
    if expected is None:
        return gettext("%(status)s; no date is set for it yet") % {"status": base}
    by = day_in_words(expected, now, tz)
    if expected < now:
        # First, because it is what the caller is ringing about.
        return gettext("Overdue: expected by %(date)s; %(status)s") % {
            "date": by,
            "status": _lower_first(base),
        }
    return gettext("%(status)s; we expect to finish by %(date)s") % {"status": base, "date": by}


def _closed_words(request: RequestLike, now: datetime, tz: tzinfo, since: datetime, depth: int) -> str:
    on = day_in_words(request.closed_datetime or since, now, tz)
    status = request.status_code
    if status == Status.FIXED:
        return gettext("Fixed on %(date)s") % {"date": on}
    if status == Status.DUPLICATE:
        parent = request.parent
        if parent is None:
            return gettext("Closed as a duplicate on %(date)s") % {"date": on}
        text = gettext("Closed as a duplicate of %(number)s on %(date)s") % {
            "number": parent.service_request_id,
            "date": on,
        }
        if depth == 0:
            # The caller wants to know about the original: where it stands is what the agent reads on.
            that = status_in_words(parent, now, tz, depth=1)
            text = gettext("%(text)s. That one: %(that)s") % {"text": text, "that": _lower_first(that)}
        return text
    if status == Status.REFERRED:
        note = " ".join(request.status_notes.split())[:NOTE_WORDS]
        if note:
            return gettext("Referred on %(date)s: %(note)s") % {"date": on, "note": note}
        return gettext("Referred to another body on %(date)s") % {"date": on}
    if status == Status.NOT_RESPONSIBLE:
        return gettext("Closed on %(date)s: not the city's responsibility") % {"date": on}
    if status == Status.NO_FURTHER_ACTION:
        return gettext("Closed on %(date)s: no further action needed") % {"date": on}
    if status == Status.CANCELLED:
        return gettext("Cancelled on %(date)s") % {"date": on}
    return gettext("Closed on %(date)s") % {"date": on}


def status_in_words(
    request: RequestLike, now: datetime, tz: tzinfo, *, since: datetime | None = None, depth: int = 0
) -> str:
    """Where a request stands, as a sentence an agent reads out, with the date the caller may expect.

    `since` is when it entered its current status (from its history); without it the last update stands
    in, which is the same unless a note came after the status change.
    """
    since = since or request.updated_datetime
    if request.status_code in CLOSED_STATUSES:
        return _closed_words(request, now, tz, since, depth)
    return _open_words(request, now, tz, since)
