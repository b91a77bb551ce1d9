"""Pure helpers of the call-centre intake (views/intake.py): what the one search box's text looks like
(number, phone, email, name or address) and the small conversions of what agents type. No database access,
so each is tested without one. A request's status in words is servicerequests/plain.py's."""

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

from civic311.lib.datetimes import format_w3c

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


def field_for_error(name: str) -> str:
    """The intake form's field that a domain FieldError names: where the message is shown."""
    if name in ("location", "lat/long", "lat", "long", "address_id", "address_string"):
        return "address"
    if name == "service_code":
        return "service"
    if name in ("email", "phone", "first_name", "last_name", "description") or name.startswith("attribute["):
        return name
    return "other"
