"""The text conversation: keywords (STOP, START, HELP, STATUS, NEW, ESPAÑOL), a status query by number, and a
guided report (what → the service's required questions → where, confirmed → an optional photo → filed).

`handle()` takes one inbound message and the conversation's state, and returns the reply's text (None:
reply nothing). Everything a resident reads goes through gettext in the conversation's language.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils import timezone, translation
from django.utils.translation import gettext

from civic311.catalog.models import Datatype, Jurisdiction, Service
from civic311.geo import addresses
from civic311.geo.geocoder import Place, get_geocoder
from civic311.geo.models import Address
from civic311.lib.geomath import haversine_m
from civic311.notify.sms import optouts
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel
from civic311.servicerequests.intake import Contact, Location, RequestRejected
from civic311.servicerequests.numbers import looks_like_number
from civic311.servicerequests.plain import describe, find_public
from civic311.sms.media import MediaRefused, fetch_photo
from civic311.sms.models import Conversation, Step

MENU_SIZE = 9  # one keypad digit per choice
BODY_MAX_LENGTH = 1600  # Twilio's limit for one message's body
INTERSECTION_MAX_M = 150  # two streets' nearest addresses at most this far apart meet there
LOCATION_FIELDS = {"lat/long", "location", "address_id"}  # what submit_request says of a bad place

# Carrier keywords (CTIA) and their Spanish counterparts. Twilio answers STOP itself as well, and then
# stops delivering our texts to the number; we honour it too, so no update is even attempted.
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "PARAR", "ALTO", "DETENER"}
START_WORDS = {"START", "UNSTOP", "YES START", "COMENZAR", "INICIAR", "REANUDAR"}
HELP_WORDS = {"HELP", "INFO", "AYUDA"}
NEW_WORDS = {"NEW", "REPORT", "NUEVO", "NUEVA", "REPORTAR", "REPORTE"}
STATUS_WORDS = {"STATUS", "ESTADO", "TRACK"}
SKIP_WORDS = {"SKIP", "NO", "NONE", "OMITIR", "SALTAR", "NADA"}
YES_WORDS = {"YES", "Y", "YEP", "OK", "SI", "S", "CORRECT", "CORRECTO"}
NO_WORDS = {"NO", "N", "NOPE", "WRONG"}
SPANISH_WORDS = {"ESPANOL", "SPANISH", "CASTELLANO"}
ENGLISH_WORDS = {"ENGLISH", "INGLES"}
# Words that say a message is Spanish (only a first message decides; ESPAÑOL / ENGLISH switch any time).
SPANISH_MARKERS = {
    "hola", "bache", "baches", "calle", "hay", "basura", "farola", "luz", "apagada", "gracias", "favor",
    "problema", "roto", "rota", "esta", "está", "mi", "por", "una", "en", "la", "el", "del", "frente",
    "quiero", "reportar", "necesito", "acera", "grafiti", "recogida",
}  # fmt: skip
STOP_FILLER = {
    "a",
    "an",
    "the",
    "is",
    "on",
    "in",
    "at",
    "of",
    "my",
    "there",
    "and",
    "to",
    "it",
    "i",
    "me",
    "near",
}
INTERSECTION = re.compile(r"^(?P<a>.+?)\s+(?:and|&|y|at|con|/)\s+(?P<b>.+)$", re.IGNORECASE)


@dataclass
class Inbound:
    """One message as the conversation sees it."""

    body: str
    media: list[tuple[str, str]] = field(default_factory=list)  # MMS: (MediaUrl, MediaContentType)


@dataclass
class Outcome:
    reply: str | None
    request_number: str = ""
    notes: list[str] = field(default_factory=list)


def _words(text: str) -> str:
    """Upper case, accents dropped, punctuation trimmed: 'sí.' -> 'SI', 'Español' -> 'ESPANOL'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^\w\s-]", "", plain).strip().upper()


def looks_spanish(text: str) -> bool:
    words = set(re.findall(r"\w+", text.lower()))
    strong = {"hola", "bache", "baches", "ayuda", "estado", "parar", "comenzar", "nuevo", "reportar"}
    return len(words & SPANISH_MARKERS) >= 2 or bool(words & strong)


def help_text(jurisdiction: Jurisdiction) -> str:
    return gettext(
        "%(city)s 311 by text: describe a problem (or text NEW) to report it; text a request number to hear "
        "its status; ESPAÑOL for Spanish; STOP to end texts, START to resume. Emergencies: call 911."
    ) % {"city": jurisdiction.name}


def handle(conv: Conversation, jurisdiction: Jurisdiction, inbound: Inbound) -> Outcome:
    """One message in; the reply out. Changes `conv` (the caller saves it)."""
    text = inbound.body.strip()
    keyword = _words(text)
    if keyword in SPANISH_WORDS or text.upper() == "ESPAÑOL":
        conv.language = "es"
    elif keyword in ENGLISH_WORDS:
        conv.language = "en"
    elif conv.step == Step.IDLE and text and looks_spanish(text):
        conv.language = "es"
    with translation.override(conv.language):
        return _handle(conv, jurisdiction, inbound, text, keyword)


def _handle(
    conv: Conversation, jurisdiction: Jurisdiction, inbound: Inbound, text: str, keyword: str
) -> Outcome:
    if keyword in STOP_WORDS:
        optouts.stop(conv.phone)
        conv.step, conv.data = Step.IDLE, {}
        return Outcome(
            gettext("You will get no more texts from %(city)s 311. Text START to get them again.")
            % {"city": jurisdiction.name}
        )
    if keyword in START_WORDS:
        optouts.start(conv.phone)
        return Outcome(
            gettext("Texts from %(city)s 311 are back on. Text HELP for what you can do.")
            % {"city": jurisdiction.name}
        )
    if keyword not in HELP_WORDS and optouts.is_stopped(conv.phone):
        return Outcome(None)  # a stopped number gets nothing more, except HELP
    if keyword in HELP_WORDS or keyword in SPANISH_WORDS | ENGLISH_WORDS or text.upper() == "ESPAÑOL":
        return Outcome(help_text(jurisdiction))
    if len(text) > BODY_MAX_LENGTH:
        return Outcome(
            gettext("That message is too long (%(count)s characters). Please keep it under %(max)s.")
            % {"count": len(text), "max": BODY_MAX_LENGTH}
        )
    status = _status_query(jurisdiction, text, keyword, conv.step)
    if status is not None:
        return Outcome(status)
    if keyword in NEW_WORDS:
        conv.step, conv.data = Step.WHAT, {}
        _keep_photo(conv, inbound)
        return Outcome(gettext("What is the problem? Describe it in a few words (for example: pothole)."))
    if conv.step == Step.IDLE:
        if not text and not inbound.media:
            return Outcome(help_text(jurisdiction))
        conv.step, conv.data = Step.WHAT, {}
    _keep_photo(conv, inbound)
    step = {
        Step.WHAT: _on_what,
        Step.PICK: _on_pick,
        Step.QUESTION: _on_question,
        Step.WHERE: _on_where,
        Step.CONFIRM_PLACE: _on_confirm,
        Step.PHOTO: _on_photo,
    }[Step(conv.step)]
    return step(conv, jurisdiction, inbound, text)


def _status_query(jurisdiction: Jurisdiction, text: str, keyword: str, step: str) -> str | None:
    """STATUS <number> at any time; a bare number when no report is in progress."""
    first, _, rest = keyword.partition(" ")
    if first in STATUS_WORDS:
        number = rest.strip()
        if not number:
            return gettext("Send STATUS and the request number, for example: STATUS SR26-000123-4.")
    elif step == Step.IDLE and (looks_like_number(text) or (text.isascii() and text.isdigit())):
        number = text
    else:
        return None
    sr = find_public(jurisdiction, number)
    if sr is None:
        return gettext(
            "We found no request numbered %(number)s. Check the number (like SR26-000123-4) and try again."
        ) % {"number": number[:40]}
    return describe(sr)


def _keep_photo(conv: Conversation, inbound: Inbound) -> None:
    """A photo sent at any step of a report is kept for it (fetched and checked when the report is filed)."""
    if inbound.media:
        conv.data["media"] = list(inbound.media[0])


# What ---------------------------------------------------------------------------------------------------


def _match_services(jurisdiction: Jurisdiction, text: str) -> list[Service]:
    """Services ranked by how many of the message's words the catalog's service search finds them by."""
    found = Service.objects.listed(jurisdiction).search(text)
    if found and text.strip():
        return found
    words = [w for w in re.findall(r"\w+", text.lower()) if len(w) > 2 and w not in STOP_FILLER][:12]
    scores: dict[int, tuple[int, Service]] = {}
    for word in words:
        for rank, service in enumerate(Service.objects.listed(jurisdiction).search(word)):
            score, _ = scores.get(service.pk, (0, service))
            scores[service.pk] = (score + 10 - min(rank, 9), service)
    return [s for _, s in sorted(scores.values(), key=lambda t: (-t[0], t[1].service_name))]


def _menu(services: list[Service]) -> str:
    return "\n".join(f"{n}. {s.translated('service_name')}" for n, s in enumerate(services, 1))


def _on_what(conv: Conversation, jurisdiction: Jurisdiction, inbound: Inbound, text: str) -> Outcome:
    if not text:
        return Outcome(gettext("What is the problem? Describe it in a few words (for example: pothole)."))
    conv.data["description"] = text[:BODY_MAX_LENGTH]
    matches = _match_services(jurisdiction, text)
    if len(matches) == 1:
        return _chose(conv, jurisdiction, matches[0])
    if not matches:
        matches = list(Service.objects.listed(jurisdiction))
    choices = matches[:MENU_SIZE]
    conv.step, conv.data["choices"] = Step.PICK, [s.service_code for s in choices]
    return Outcome(gettext("Which fits best? Reply with its number:") + "\n" + _menu(choices))


def _on_pick(conv: Conversation, jurisdiction: Jurisdiction, inbound: Inbound, text: str) -> Outcome:
    codes = conv.data.get("choices", [])
    if text.isdigit() and 1 <= int(text) <= len(codes):
        service = Service.objects.listed(jurisdiction).filter(service_code=codes[int(text) - 1]).first()
        if service is not None:
            return _chose(conv, jurisdiction, service)
    matches = _match_services(jurisdiction, text) if text and not text.isdigit() else []
    if len(matches) == 1:
        return _chose(conv, jurisdiction, matches[0])
    choices = list(Service.objects.listed(jurisdiction).filter(service_code__in=codes)) or matches[:MENU_SIZE]
    choices.sort(key=lambda s: codes.index(s.service_code) if s.service_code in codes else 99)
    if matches:
        choices = matches[:MENU_SIZE]
        conv.data["choices"] = [s.service_code for s in choices]
    return Outcome(
        gettext("Please reply with one of these numbers (1 to %(last)s):") % {"last": len(choices)}
        + "\n"
        + _menu(choices)
    )


def _chose(conv: Conversation, jurisdiction: Jurisdiction, service: Service) -> Outcome:
    conv.data["service"] = service.service_code
    conv.data["answers"] = {}
    conv.data.pop("choices", None)
    return _next_question(conv, jurisdiction, service)


# The service's required questions ----------------------------------------------------------------------


def _service(conv: Conversation, jurisdiction: Jurisdiction) -> Service | None:
    return Service.objects.listed(jurisdiction).filter(service_code=conv.data.get("service", "")).first()


def _required(service: Service) -> list:
    return [a for a in service.questions() if a.variable and a.required]


def _next_question(
    conv: Conversation, jurisdiction: Jurisdiction, service: Service, prefix: str = ""
) -> Outcome:
    answered = conv.data.get("answers", {})
    for attribute in _required(service):
        if attribute.code not in answered:
            conv.step, conv.data["question"] = Step.QUESTION, attribute.code
            return Outcome(prefix + _ask(attribute))
    conv.data.pop("question", None)
    conv.step = Step.WHERE
    return Outcome(
        prefix
        + gettext(
            "%(service)s. Where is it? Send a street address (like 123 N Main St) or two crossing streets."
        )
        % {"service": service.translated("service_name")}
    )


def _ask(attribute) -> str:
    question = attribute.translated("description") or attribute.code
    values = list(attribute.values.all())
    if attribute.datatype == Datatype.SINGLEVALUELIST:
        return question + " " + gettext("Reply with a number:") + "\n" + _value_menu(values)
    if attribute.datatype == Datatype.MULTIVALUELIST:
        return (
            question
            + " "
            + gettext("Reply with one or more numbers (like 1,3):")
            + "\n"
            + _value_menu(values)
        )
    if attribute.datatype == Datatype.NUMBER:
        return question + " " + gettext("Reply with a number.")
    if attribute.datatype == Datatype.DATETIME:
        return question + " " + gettext("Reply with a date like 2026-05-31.")
    return question


def _value_menu(values) -> str:
    return "\n".join(f"{n}. {v.translated('name')}" for n, v in enumerate(values, 1))


def _answer(attribute, text: str):
    """The answer in the form check_answers takes, or None when it is not one."""
    values = list(attribute.values.all())
    if attribute.datatype in (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST):
        picks = re.findall(r"\d+", text)
        if not picks:
            names = {_words(v.translated("name")): v.key for v in values} | {
                _words(v.name): v.key for v in values
            }
            key = names.get(_words(text))
            return key if key and attribute.datatype == Datatype.SINGLEVALUELIST else [key] if key else None
        if any(not 1 <= int(p) <= len(values) for p in picks):
            return None
        keys = [values[int(p) - 1].key for p in picks]
        if attribute.datatype == Datatype.SINGLEVALUELIST:
            return keys[0] if len(keys) == 1 else None
        return list(dict.fromkeys(keys))
    if attribute.datatype == Datatype.NUMBER:
        try:
            float(text)
        except ValueError:
            return None
        return text
    if attribute.datatype == Datatype.DATETIME:
        return text if re.match(r"^\d{4}-\d{2}-\d{2}", text) else None
    return text or None


def _on_question(conv: Conversation, jurisdiction: Jurisdiction, inbound: Inbound, text: str) -> Outcome:
    service = _service(conv, jurisdiction)
    if service is None:
        conv.step, conv.data = Step.WHAT, {}
        return Outcome(gettext("That kind of report is no longer taken. What is the problem?"))
    attribute = next((a for a in _required(service) if a.code == conv.data.get("question")), None)
    if attribute is None:
        return _next_question(conv, jurisdiction, service)
    value = _answer(attribute, text)
    if value is None:
        return Outcome(gettext("Sorry, that is not one of the answers.") + " " + _ask(attribute))
    conv.data.setdefault("answers", {})[attribute.code] = value
    return _next_question(conv, jurisdiction, service)


# Where --------------------------------------------------------------------------------------------------


def _intersection(jurisdiction: Jurisdiction, text: str) -> Place | None:
    """'Main St and Oak Ave': where the two streets' nearest known addresses meet."""
    match = INTERSECTION.match(text.strip())
    if not match:
        return None
    streets = []
    for part in (match["a"], match["b"]):
        norm = addresses.normalize(part)
        if not norm or norm.split(" ")[0].isdigit():
            return None
        rows = list(
            Address.objects.filter(jurisdiction=jurisdiction)
            .filter(street=norm)
            .values_list("lat", "long", "zipcode")[:500]
        ) or list(
            Address.objects.filter(jurisdiction=jurisdiction, street__endswith=" " + norm).values_list(
                "lat", "long", "zipcode"
            )[:500]
        )
        if not rows:
            return None
        streets.append(rows)
    best = min(
        ((haversine_m(a[0], a[1], b[0], b[1]), a, b) for a in streets[0] for b in streets[1]),
        key=lambda t: t[0],
    )
    if best[0] > INTERSECTION_MAX_M:
        return None
    _, a, b = best
    label = f"{addresses.display(match['a'])} & {addresses.display(match['b'])}"
    return Place(label, (a[0] + b[0]) / 2, (a[1] + b[1]) / 2, a[2], "", exact=False)


def _on_where(conv: Conversation, jurisdiction: Jurisdiction, inbound: Inbound, text: str) -> Outcome:
    place = None
    if text and len(text) <= 200:
        place = get_geocoder().geocode(jurisdiction, text) or _intersection(jurisdiction, text)
    if place is None:
        return Outcome(
            gettext(
                "We could not find “%(place)s” on the map. Please send a street address with its number "
                "(like 123 N Main St) or two crossing streets (like Main St and Oak Ave)."
            )
            % {"place": text[:60]}
        )
    conv.step = Step.CONFIRM_PLACE
    conv.data["place"] = {
        "address": place.address,
        "lat": place.lat,
        "long": place.long,
        "address_id": place.address_id,
    }
    return Outcome(gettext("Is it %(address)s? Reply YES or NO.") % {"address": place.address})


def _on_confirm(conv: Conversation, jurisdiction: Jurisdiction, inbound: Inbound, text: str) -> Outcome:
    answer = _words(text)
    if answer in NO_WORDS:
        conv.step = Step.WHERE
        conv.data.pop("place", None)
        return Outcome(gettext("Where is it, then? Send a street address or two crossing streets."))
    if answer not in YES_WORDS:
        address = conv.data.get("place", {}).get("address", "")
        return Outcome(gettext("Is it %(address)s? Please reply YES or NO.") % {"address": address})
    if conv.data.get("media"):
        return _file(conv, jurisdiction, inbound)
    conv.step = Step.PHOTO
    return Outcome(gettext("Send a photo of it if you can, or reply SKIP to send your report now."))


def _on_photo(conv: Conversation, jurisdiction: Jurisdiction, inbound: Inbound, text: str) -> Outcome:
    if not inbound.media and _words(text) not in SKIP_WORDS and text:
        # Words instead of a photo join the description; the report goes in.
        conv.data["description"] = (conv.data.get("description", "") + "\n" + text).strip()[:BODY_MAX_LENGTH]
    return _file(conv, jurisdiction, inbound)


# Filing -------------------------------------------------------------------------------------------------


def _file(conv: Conversation, jurisdiction: Jurisdiction, inbound: Inbound) -> Outcome:
    service = _service(conv, jurisdiction)
    place = conv.data.get("place") or {}
    if service is None or not place:
        conv.step, conv.data = Step.WHAT, {}
        return Outcome(gettext("Sorry, that report could not be kept. What is the problem?"))
    photo, refused = None, ""
    if media := conv.data.get("media"):
        try:
            photo = fetch_photo(media[0], media[1])
        except MediaRefused as exc:
            refused = str(exc)
    new = actions.NewRequest(
        service=service,
        location=Location(
            lat=place.get("lat"), long=place.get("long"), address=place.get("address", ""),
            address_id=place.get("address_id", ""),
        ),
        description=conv.data.get("description", ""),
        answers=conv.data.get("answers", {}),
        contact=Contact(phone=conv.phone, language=conv.language),
        photos=[photo] if photo is not None else [],
    )  # fmt: skip
    try:
        sr = actions.submit_request(new, actions.Actor(channel=Channel.SMS))
    except RequestRejected as exc:
        reason = "; ".join(f"{e.field} {e.message}" for e in exc.errors)[:300]
        if not any(e.field in LOCATION_FIELDS for e in exc.errors):
            conv.step, conv.data = Step.IDLE, {}
            return Outcome(
                gettext("The city could not take this report (%(reason)s). Text NEW to start again.")
                % {"reason": reason}
            )
        conv.step, conv.data = Step.WHERE, {k: v for k, v in conv.data.items() if k != "place"}
        return Outcome(
            gettext(
                "The city could not take this report (%(reason)s). "
                "Send another address, or NEW to start over."
            )
            % {"reason": reason}
        )
    conv.step, conv.data = Step.IDLE, {}
    conv.updated_at = timezone.now()
    parts = []
    if refused:
        parts.append(
            gettext("We could not use the file you sent (%(reason)s), so the report went without it.")
            % {"reason": refused[:120]}
        )
    parts.append(
        gettext("Thank you. Your report number is %(number)s. Text it to us any time for its status.")
        % {"number": sr.service_request_id}
    )
    parts.append(describe(sr))
    if photo is not None:
        parts.insert(0, gettext("Photo received."))
    return Outcome(" ".join(parts), request_number=sr.service_request_id)
