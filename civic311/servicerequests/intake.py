"""Checking what a channel hands in before a request is created: one set of rules for every channel.

Each check adds a FieldError instead of stopping at the first, so a client learns everything that
is wrong at once. `RequestRejected` carries them to the channel, which words them in its own format.
"""

import math
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from civic311.catalog.choices import Datatype
from civic311.catalog.models import Service, ServiceAttribute
from civic311.lib.datetimes import DatetimeError, parse_w3c
from civic311.lib.phones import e164
from civic311.servicerequests.choices import DESCRIPTION_MAX_LENGTH

STRING_MAX_LENGTH = 500
TEXT_MAX_LENGTH = 4000
NAME_MAX_LENGTH = 100
PHONE_PATTERN = re.compile(r"^\+?[0-9 ().-]{3,30}$")
# A tag, an HTML comment or a doctype: "a < b" and "5 > 3" are fine, "<b>" and "<script" are not.
HTML_PATTERN = re.compile(r"<(/?[a-zA-Z][\w-]*[\s/>]|!--|!\[CDATA\[|!doctype)", re.IGNORECASE)
# C0 control characters other than tab and newlines: PostgreSQL cannot store NUL, XML cannot carry any.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Extra attributes a client may send that are no question of the service (FixMyStreet sends its own).
MAX_CLIENT_ATTRIBUTES = 50


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class RequestRejected(Exception):
    """The input cannot become (or change) a request; `errors` says why, field by field."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class Location:
    """Where: coordinates, an address, or the id of an address in the city's address index."""

    lat: float | None = None
    long: float | None = None
    address: str = ""
    address_id: str = ""
    zipcode: str = ""  # filled in by the geocoder

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.long is not None


@dataclass
class Contact:
    """Who reported it and how to reach them. Private."""

    email: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    device_id: str = ""
    account_id: str = ""
    language: str = ""


@dataclass
class Answers:
    """Validated answers to the service's questions, and what else the client sent."""

    values: dict[str, Any] = field(default_factory=dict)
    client_extras: dict[str, Any] = field(default_factory=dict)


def clean_text(value: str) -> str:
    return CONTROL_CHARS.sub("", value).strip()


def check_description(text: str, errors: list[FieldError], name: str = "description") -> str:
    text = clean_text(text)
    if len(text) > DESCRIPTION_MAX_LENGTH:
        errors.append(
            FieldError(name, f"is {len(text)} characters long; at most {DESCRIPTION_MAX_LENGTH} are allowed")
        )
    if HTML_PATTERN.search(text):
        errors.append(FieldError(name, "contains HTML markup; send plain text"))
    return text


def parse_coordinate(raw: str | float | None, name: str, low: float, high: float, errors: list[FieldError]):
    """A finite float within [low, high] from text, or None (with an error) when it is not one."""
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        errors.append(FieldError(name, f"'{str(raw)[:40]}' is not a number"))
        return None
    if not math.isfinite(value):
        errors.append(FieldError(name, f"'{raw}' is not a finite number"))
        return None
    if not low <= value <= high:
        errors.append(FieldError(name, f"{value} is out of range ({low} to {high})"))
        return None
    return value


def check_location(location: Location, errors: list[FieldError]) -> None:
    """The location is present and well-formed (where it is comes later, from the geocoder and districts)."""
    location.address = clean_text(location.address)[:300]
    location.address_id = clean_text(location.address_id)[:64]
    if (location.lat is None) != (location.long is None):
        errors.append(FieldError("lat/long", "give both lat and long, or neither"))
    if not (location.has_point or location.address or location.address_id):
        errors.append(FieldError("location", "give lat and long, address_string or address_id"))


def check_contact(contact: Contact, service: Service, errors: list[FieldError]) -> None:
    for name in ("email", "phone", "first_name", "last_name", "device_id", "account_id"):
        setattr(contact, name, clean_text(getattr(contact, name)))
    if contact.email:
        try:
            EmailValidator()(contact.email)
        except ValidationError:
            errors.append(FieldError("email", f"'{contact.email[:80]}' is not an email address"))
    if contact.phone and not PHONE_PATTERN.match(contact.phone):
        errors.append(FieldError("phone", f"'{contact.phone[:40]}' is not a phone number"))
    elif contact.phone:
        # Stored as E.164 whatever the channel: '(312) 555-0100' typed, '+13125550100' texted and
        # '+1 312 555 0100' from an app are one number, found and texted as one.
        contact.phone = e164(contact.phone)
    for name in ("first_name", "last_name"):
        if len(getattr(contact, name)) > NAME_MAX_LENGTH:
            errors.append(FieldError(name, f"is longer than {NAME_MAX_LENGTH} characters"))
    for name in ("device_id", "account_id"):
        if len(getattr(contact, name)) > 200:
            errors.append(FieldError(name, "is longer than 200 characters"))
    if not service.anonymous_allowed and not (contact.email or contact.phone):
        errors.append(
            FieldError(
                "email", f"{service.service_name} needs a way to reach you: give an email or a phone number"
            )
        )


def check_media_urls(urls: list[str], errors: list[FieldError]) -> list[str]:
    cleaned = []
    for url in urls:
        url = url.strip()
        if not url:
            continue
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors.append(FieldError("media_url", f"'{url[:80]}' is not an http(s) URL"))
            continue
        if len(url) > 500:
            errors.append(FieldError("media_url", "is longer than 500 characters"))
            continue
        cleaned.append(url)
    return cleaned


def _as_list(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, list | tuple):
        return [str(v).strip() for v in raw if str(v).strip() != ""]
    text = str(raw).strip()
    return [text] if text else []


def _check_answer(attribute: ServiceAttribute, raw: list[str], errors: list[FieldError]) -> Any:
    name = f"attribute[{attribute.code}]"
    datatype = attribute.datatype
    if datatype != Datatype.MULTIVALUELIST and len(raw) > 1:
        errors.append(FieldError(name, f"takes one value, not {len(raw)}"))
        return None
    if datatype in (Datatype.STRING, Datatype.TEXT):
        limit = STRING_MAX_LENGTH if datatype == Datatype.STRING else TEXT_MAX_LENGTH
        text = clean_text(raw[0])
        if len(text) > limit:
            errors.append(FieldError(name, f"is {len(text)} characters long; at most {limit} are allowed"))
        return text
    if datatype == Datatype.NUMBER:
        try:
            number = float(raw[0])
        except ValueError:
            errors.append(FieldError(name, f"'{raw[0][:40]}' is not a number"))
            return None
        if not math.isfinite(number):
            errors.append(FieldError(name, f"'{raw[0]}' is not a finite number"))
            return None
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if datatype == Datatype.DATETIME:
        try:
            return parse_w3c(raw[0]).isoformat()
        except DatetimeError as exc:
            errors.append(FieldError(name, str(exc)))
            return None
    keys = {value.key for value in attribute.values.all()}
    unknown = [value for value in raw if value not in keys]
    if unknown:
        allowed = ", ".join(sorted(keys))
        errors.append(FieldError(name, f"'{unknown[0][:40]}' is not one of the choices ({allowed})"))
        return None
    if datatype == Datatype.SINGLEVALUELIST:
        return raw[0]
    return list(dict.fromkeys(raw))


def check_answers(service: Service, raw_answers: dict[str, Any], errors: list[FieldError]) -> Answers:
    """Answers to the service's questions, typed; other codes kept aside as the client's extras."""
    answers = Answers()
    attributes = {a.code: a for a in service.questions() if a.variable}
    for attribute in attributes.values():
        raw = _as_list(raw_answers.get(attribute.code))
        if not raw:
            if attribute.required:
                errors.append(
                    FieldError(f"attribute[{attribute.code}]", f"is required ({attribute.description})")
                )
            continue
        value = _check_answer(attribute, raw, errors)
        if value is not None and value != "":
            answers.values[attribute.code] = value
    extras = {code: raw for code, raw in raw_answers.items() if code not in attributes}
    if len(extras) > MAX_CLIENT_ATTRIBUTES:
        errors.append(
            FieldError("attribute", f"{len(extras)} unknown attributes sent; at most {MAX_CLIENT_ATTRIBUTES}")
        )
    for code, raw in list(extras.items())[:MAX_CLIENT_ATTRIBUTES]:
        values = [clean_text(v)[:1000] for v in _as_list(raw)]
        answers.client_extras[clean_text(code)[:64]] = values if len(values) != 1 else values[0]
    return answers
