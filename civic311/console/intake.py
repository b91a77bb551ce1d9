"""Pure helpers of the call-centre intake (views/intake.py): a request's status in words an agent can read
out to a caller, what the one search box's text looks like (number, phone, email, name or address), the
service search, and the small conversions of what agents type. No database access, so each is tested
without one."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Protocol

from django.utils import dateformat
from django.utils.translation import gettext as _

from civic311.lib.datetimes import format_w3c
from civic311.servicerequests.choices import CLOSED_STATUSES, Status

# A phone number as people write it: digits and the usual separators, nothing else.
PHONE_CHARS = re.compile(r"^[0-9\s()+./-]+$")
# Fewer digits than a local number (7 in North America) find too many strangers' requests.
MIN_PHONE_DIGITS = 7
# Phones are compared on their last 10 digits, so '+1 312 555 0100' and '(312) 555-0100' are the same.
PHONE_SUFFIX_DIGITS = 10
# A house number, then a street: '200 W Main St', '1600A N Clark'.
ADDRESS_LIKE = re.compile(r"^[0-9]+[A-Za-z]?\s+\S")
NAME_SPLIT = re.compile(r"[\s,]+")
MAX_QUERY_LENGTH = 200
# What a datetime-local input sends: no zone, seconds optional.
LOCAL_DATETIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?$")
ASCII_DIGITS = "0123456789"
NOTE_WORDS = 120  # longest referral note read out, in characters


# --- status in words ----------------------------------------------------------------------------------


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
        base = _("In progress since %(date)s") % {"date": moved}
    elif status == Status.SCHEDULED:
        base = _("Work scheduled since %(date)s") % {"date": moved}
    elif status == Status.ACKNOWLEDGED:
        base = _("Received on %(received)s and acknowledged on %(date)s") % {
            "received": received,
            "date": moved,
        }
    else:  # new, or reopened: what the caller remembers is when it was received
        base = _("Received on %(date)s") % {"date": received}
    expected = request.expected_datetime
    if expected is None:
        return _("%(status)s; no date is set for it yet") % {"status": base}
    by = day_in_words(expected, now, tz)
    if expected < now:
        # First, because it is what the caller is ringing about.
        return _("Overdue: expected by %(date)s; %(status)s") % {"date": by, "status": _lower_first(base)}
    return _("%(status)s; we expect to finish by %(date)s") % {"status": base, "date": by}


def _closed_words(request: RequestLike, now: datetime, tz: tzinfo, since: datetime, depth: int) -> str:
    on = day_in_words(request.closed_datetime or since, now, tz)
    status = request.status_code
    if status == Status.FIXED:
        return _("Fixed on %(date)s") % {"date": on}
    if status == Status.DUPLICATE:
        parent = request.parent
        if parent is None:
            return _("Closed as a duplicate on %(date)s") % {"date": on}
        text = _("Closed as a duplicate of %(number)s on %(date)s") % {
            "number": parent.service_request_id,
            "date": on,
        }
        if depth == 0:
            # The caller wants to know about the original: where it stands is what the agent reads on.
            that = status_in_words(parent, now, tz, depth=1)
            text = _("%(text)s. That one: %(that)s") % {"text": text, "that": _lower_first(that)}
        return text
    if status == Status.REFERRED:
        note = " ".join(request.status_notes.split())[:NOTE_WORDS]
        if note:
            return _("Referred on %(date)s: %(note)s") % {"date": on, "note": note}
        return _("Referred to another body on %(date)s") % {"date": on}
    if status == Status.NOT_RESPONSIBLE:
        return _("Closed on %(date)s: not the city's responsibility") % {"date": on}
    if status == Status.NO_FURTHER_ACTION:
        return _("Closed on %(date)s: no further action needed") % {"date": on}
    if status == Status.CANCELLED:
        return _("Cancelled on %(date)s") % {"date": on}
    return _("Closed on %(date)s") % {"date": on}


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


# --- numbers, phones and the search box -----------------------------------------------------------------


def speakable_digits(number: str) -> str:
    """The digits of a request number, spaced for reading out: 'SR26-000123-4' -> '2 6 0 0 0 1 2 3 4'.
    They are also what a caller types on a phone keypad to find it."""
    return " ".join(ch for ch in number if ch in ASCII_DIGITS)


def phone_digits(text: str) -> str:
    """The digits that identify a phone: the last 10, so a country code or its absence does not matter."""
    digits = "".join(ch for ch in text if ch in ASCII_DIGITS)
    return digits[-PHONE_SUFFIX_DIGITS:]


@dataclass(frozen=True)
class SearchTerms:
    """What the agent typed, read as what it looks like. A request number is always tried as well."""

    text: str
    email: str = ""
    phone: str = ""  # digits only, see phone_digits
    names: tuple[str, ...] = ()
    address: str = ""


def read_query(raw: str) -> SearchTerms:
    """'alice@example.org' is an email, '(312) 555-0100' a phone, '200 W Main St' an address (a house
    number, then words), 'Alice Resident' a name (words, no digits); a number such as SR26-000123-4 or its
    keypad digits is none of these but is looked up as a number anyway."""
    text = " ".join(raw.split())[:MAX_QUERY_LENGTH]
    if not text:
        return SearchTerms("")
    if "@" in text:
        return SearchTerms(text, email=text.removeprefix("mailto:").lower())
    if PHONE_CHARS.match(text):
        digits = phone_digits(text)
        return SearchTerms(text, phone=digits if len(digits) >= MIN_PHONE_DIGITS else "")
    if ADDRESS_LIKE.match(text):
        return SearchTerms(text, address=text)
    if not any(ch.isdigit() for ch in text):
        words = tuple(word for word in NAME_SPLIT.split(text) if len(word) >= 2)
        return SearchTerms(text, names=words)
    return SearchTerms(text)


def local_to_w3c(text: str, tz: tzinfo) -> str:
    """A datetime-local input's '2026-11-23T14:05' as W3C text with the jurisdiction's offset at that
    moment ('2026-11-23T14:05:00-06:00'). Anything else is returned as typed, for the domain to refuse."""
    text = text.strip()
    if not LOCAL_DATETIME.match(text):
        return text
    try:
        local = datetime.fromisoformat(text).replace(tzinfo=tz)
    except ValueError:
        return text
    return format_w3c(local, tz) or text


# --- service search -----------------------------------------------------------------------------------


class ServiceLike(Protocol):
    service_code: str
    service_name: str
    group: str
    keywords: str


def _words(text: str) -> list[str]:
    return [word for word in re.split(r"[^\w]+", text.lower()) if word]


def _word_score(word: str, service: ServiceLike) -> int | None:
    """How well one typed word fits a service: lower is better, None is no fit."""
    name = service.service_name.lower()
    keywords = [k.strip().lower() for k in service.keywords.split(",") if k.strip()]
    if word == service.service_code.lower():
        return 0
    if name.startswith(word):
        return 1
    if any(part.startswith(word) for part in _words(name)):
        return 2
    if any(part.startswith(word) for keyword in keywords for part in _words(keyword)):
        return 3
    if word in name:
        return 4
    if any(word in keyword for keyword in keywords):
        return 5
    if word in service.group.lower():
        return 6
    if word in service.service_code.lower():
        return 7
    return None


def search_services[S: ServiceLike](services: Iterable[S], query: str) -> list[S]:
    """The services every typed word fits (in the name, keywords, group or code), best fit first.
    An empty query gives them all, in the order given."""
    words = _words(query)
    if not words:
        return list(services)
    scored: list[tuple[int, str, S]] = []
    for service in services:
        scores = [_word_score(word, service) for word in words]
        if all(score is not None for score in scores):
            total = sum(score for score in scores if score is not None)
            scored.append((total, service.service_name.lower(), service))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [service for _, _, service in scored]


def field_for_error(name: str) -> str:
    """The intake form's field that a domain FieldError names: where the message is shown."""
    if name in ("location", "lat/long", "lat", "long", "address_id", "address_string"):
        return "address"
    if name == "service_code":
        return "service"
    if name in ("email", "phone", "first_name", "last_name", "description") or name.startswith("attribute["):
        return name
    return "other"
