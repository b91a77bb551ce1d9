"""Call-centre intake (/staff/intake/): an agent on the phone finds the caller's past requests and the open
ones near an address, reads out where each stands, adds the caller as a follower of one, or files a new
request on the caller's behalf. One page, server-rendered; htmx swaps its parts.

Every change goes through the domain (servicerequests.actions) with the agent as the actor and the phone
as the channel; every check through accounts.permissions. What is found for a caller is console/callers.py,
the questions' fields console/forms.py, the pure parts console/intake.py.
"""

import logging
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from civic311.accounts.choices import Capability
from civic311.accounts.permissions import can, may, visible_requests
from civic311.catalog import jurisdictions
from civic311.catalog.choices import Datatype
from civic311.catalog.models import Jurisdiction, Service, ServiceQuerySet
from civic311.console import callers, forms
from civic311.console import intake as words
from civic311.console.access import staff_required
from civic311.geo.geocoder import get_geocoder
from civic311.servicerequests import actions, plain
from civic311.servicerequests.choices import Channel
from civic311.servicerequests.intake import Contact, FieldError, Location, RequestRejected, parse_coordinate
from civic311.servicerequests.models import ServiceRequest
from civic311.servicerequests.numbers import normalize_number

log = logging.getLogger(__name__)

SUGGEST_LIMIT = 8
CONTACT_FIELDS = ("first_name", "last_name", "phone", "email")
FIELD_LABELS = {
    "address": "Address",
    "service": "Service",
    "description": "Description",
    "first_name": "First name",
    "last_name": "Last name",
    "phone": "Phone",
    "email": "Email",
    "other": "Request",
}
# Where the error summary's links take the keyboard: the id of each field's first control.
FIELD_ANCHORS = {
    "address": "intake-address",
    "service": "intake-service-q",
    "description": "intake-description",
    "first_name": "intake-first_name",
    "last_name": "intake-last_name",
    "phone": "intake-phone",
    "email": "intake-email",
}
# The domain words its messages to follow a field's name ("is required …"); shown alone they need a subject.
SUBJECTLESS = ("is ", "contains ", "takes ")

intake_only = staff_required(Capability.FILE_FOR_CALLER)


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _offered(jurisdiction: Jurisdiction) -> ServiceQuerySet:
    return Service.objects.offered().filter(jurisdiction=jurisdiction).order_by("group", "service_name")


def _sentence(message: str) -> str:
    if message.startswith(SUBJECTLESS):
        return f"This {message}"
    return message[:1].upper() + message[1:]


# --- status in words, for lists --------------------------------------------------------------------------


# --- search ----------------------------------------------------------------------------------------------


def _nearby_context(
    request: HttpRequest,
    jurisdiction: Jurisdiction,
    *,
    address: str,
    lat: float | None,
    long: float | None,
    service_code: str,
    now: datetime,
) -> dict:
    service = _offered(jurisdiction).filter(service_code=service_code).first() if service_code else None
    place = callers.place_of(jurisdiction, address, lat, long)
    if place is None:
        message = (
            f"No address “{address}” in {jurisdiction.name}'s address index: check it, or pick the point "
            "on the map."
            if address
            else ""
        )
        return {"nearby_place": None, "nearby": [], "nearby_message": message, "nearby_asked": bool(address)}
    nearby = callers.open_near(request.user, jurisdiction, place, service, now)
    count = len(nearby)
    message = (
        f"{count} open request{'s' if count != 1 else ''} within {callers.NEARBY_METRES} m of {place.label}."
        if count
        else f"No open request within {callers.NEARBY_METRES} m of {place.label}."
    )
    return {"nearby_place": place, "nearby": nearby, "nearby_message": message, "nearby_asked": True}


def _search_context(request: HttpRequest, jurisdiction: Jurisdiction, query: str, service_code: str) -> dict:
    now = timezone.now()
    terms = words.read_query(query)
    context: dict = {"q": terms.text, "searched": bool(terms.text), "results": [], "caller": {}}
    if not terms.text:
        context["results_message"] = "Type a number, phone, email, name or address."
        return context
    match = callers.caller_requests(request.user, jurisdiction, terms)
    found = callers.describe(request.user, jurisdiction, match.requests, now)
    for item in found:
        item.how = match.how.get(item.request.pk, "")
        if item.how in (callers.REPORTED, callers.FOLLOWS):
            item.can_follow = False  # they hear about it already
    context["results"] = found
    context["caller"] = match.contact
    count = len(found)
    if terms.address:
        context.update(
            _nearby_context(
                request,
                jurisdiction,
                address=terms.address,
                lat=None,
                long=None,
                service_code=service_code,
                now=now,
            )
        )
        context["with_nearby"] = True
        place = context["nearby_place"]
        if place is not None:
            context["caller"] = {**context["caller"], "address": place.label}
    if count:
        context["results_message"] = f"{count} request{'s' if count != 1 else ''} for “{terms.text}”."
    elif terms.address:
        context["results_message"] = ""  # an address is a place, not a caller: the nearby list answers
    else:
        context["results_message"] = f"No request found for “{terms.text}”."
    return context


# --- the form ----------------------------------------------------------------------------------------------


def _form_context(
    jurisdiction: Jurisdiction,
    *,
    values: dict[str, str] | None = None,
    answers: dict[str, list[str]] | None = None,
    service: Service | None = None,
    errors: dict[str, list[str]] | None = None,
    filed: ServiceRequest | None = None,
    now: datetime | None = None,
) -> dict:
    labels = {f"attribute[{a.code}]": a.description for a in service.attributes.all()} if service else {}
    # Shown next to its question, a message need not repeat it: "is required (Where is it?)" -> "This is
    # required".
    errors = {
        name: [_sentence(m.removesuffix(f" ({labels[name]})") if name in labels else m) for m in messages]
        for name, messages in (errors or {}).items()
    }
    questions = forms.service_questions(service, answers or {}, errors)
    summary: list[tuple[str, str, str]] = []
    question_by_name = {q.name: q for q in questions}
    for name, messages in errors.items():
        question = question_by_name.get(name)
        label = question.label if question else FIELD_LABELS.get(name, name)
        anchor = question.id if question else FIELD_ANCHORS.get(name, "")
        summary.extend((label, message, anchor) for message in messages)
    context = {
        "values": values or {},
        "services": list(_offered(jurisdiction)),
        "chosen": service.service_code if service else "",
        "service": service,
        "questions": questions,
        "errors": errors,
        "error_summary": summary,
        "filed": filed,
    }
    if filed is not None:
        context["filed_digits"] = words.speakable_digits(filed.service_request_id)
        context["filed_words"] = plain.status_in_words(filed, now or timezone.now(), jurisdiction.tz)
    return context


def _page(request: HttpRequest, jurisdiction: Jurisdiction, **extra) -> HttpResponse:
    context = {
        "jurisdiction": jurisdiction,
        "nearby_metres": callers.NEARBY_METRES,
        **_form_context(jurisdiction),
        **extra,
    }
    return render(request, "console/intake.html", context)


@intake_only
@require_GET
def intake_page(request: HttpRequest) -> HttpResponse:
    jurisdiction = jurisdictions.default_or_404()
    query = request.GET.get("q", "")
    extra = _search_context(request, jurisdiction, query, "") if query.strip() else {}
    return _page(request, jurisdiction, **extra)


@intake_only
@require_GET
def intake_search(request: HttpRequest) -> HttpResponse:
    """The search box (q: the caller's requests, and the open ones near it when q is an address), or,
    without q, the open requests near the file form's address or map point."""
    jurisdiction = jurisdictions.default_or_404()
    service_code = request.GET.get("service", "")
    if "q" in request.GET:
        context = _search_context(request, jurisdiction, request.GET["q"], service_code)
        # The status line and the nearby list live outside the swapped results: sent out of band.
        context.update(nearby_metres=callers.NEARBY_METRES, oob=True)
        return render(request, "console/partials/intake_results.html", context)
    errors: list[FieldError] = []
    lat = parse_coordinate(request.GET.get("lat"), "lat", -90, 90, errors)
    long = parse_coordinate(request.GET.get("long"), "long", -180, 180, errors)
    if lat is None or long is None:
        lat = long = None
    context = _nearby_context(
        request,
        jurisdiction,
        address=request.GET.get("address", "").strip()[:300],
        lat=lat,
        long=long,
        service_code=service_code,
        now=timezone.now(),
    )
    context.update(nearby_metres=callers.NEARBY_METRES, nearby_status=True)
    return render(request, "console/partials/intake_nearby.html", context)


@intake_only
@require_GET
def address_suggest(request: HttpRequest) -> JsonResponse:
    """Addresses starting with what the agent typed (q), or the address at a map point (lat, long)."""
    jurisdiction = jurisdictions.default_or_404()
    geocoder = get_geocoder()
    errors: list[FieldError] = []
    lat = parse_coordinate(request.GET.get("lat"), "lat", -90, 90, errors)
    long = parse_coordinate(request.GET.get("long"), "long", -180, 180, errors)
    try:
        if lat is not None and long is not None:
            hit = geocoder.reverse(jurisdiction, lat, long)
            places = [hit] if hit else []
        else:
            places = geocoder.suggest(jurisdiction, request.GET.get("q", "")[:200], limit=SUGGEST_LIMIT)
    except (OSError, ValueError):  # an outside geocoder that is down: no suggestions, typing still works
        log.warning("address suggestions failed", exc_info=True)
        places = []
    return JsonResponse(
        [{"address": p.address, "lat": p.lat, "long": p.long, "zipcode": p.zipcode} for p in places],
        safe=False,
    )


@intake_only
@require_GET
def service_search(request: HttpRequest) -> HttpResponse:
    """Offered services whose name, keywords, group or code fit every typed word, best first: JSON, or
    (for htmx) the service picker with the best one chosen and its questions."""
    jurisdiction = jurisdictions.default_or_404()
    query = request.GET.get("q", "")[:200]
    services = _offered(jurisdiction).search(query)
    if not _htmx(request):
        return JsonResponse(
            [
                {"service_code": s.service_code, "service_name": s.service_name, "group": s.group}
                for s in services
            ],
            safe=False,
        )
    current = request.GET.get("service", "")
    best = services[0] if query.strip() and services else None
    context = {
        "services": services,
        "service_query": query.strip(),
        "chosen": best.service_code if best else current,
        # The questions follow the choice, unless it is the service already chosen (keep its answers).
        "swap_questions": best is not None and best.service_code != current,
        "service": best,
        "questions": forms.service_questions(best, {}, {}),
        "errors": {},
    }
    return render(request, "console/partials/intake_services.html", context)


@intake_only
@require_GET
def intake_questions(request: HttpRequest, code: str) -> HttpResponse:
    service = _offered(jurisdictions.default_or_404()).filter(service_code=code).first()
    if service is None:
        raise Http404("No such service, or not offered")
    context = {"service": service, "questions": forms.service_questions(service, {}, {}), "errors": {}}
    return render(request, "console/partials/intake_questions.html", context)


def _typed_answers(service: Service | None, data, tz) -> tuple[dict[str, list[str]], dict[str, object]]:
    """(what was typed, for showing again; the answers for the domain). A datetime-local value has no
    zone: it is the jurisdiction's local time, sent on with its offset."""
    typed: dict[str, list[str]] = {}
    answers: dict[str, object] = {}
    if service is None:
        return typed, answers
    for attribute in service.attributes.filter(variable=True):
        raw = [v for v in data.getlist(f"attribute[{attribute.code}]") if v.strip()]
        typed[attribute.code] = raw
        if not raw:
            continue
        if attribute.datatype == Datatype.MULTIVALUELIST:
            answers[attribute.code] = raw
        elif attribute.datatype == Datatype.DATETIME:
            answers[attribute.code] = words.local_to_w3c(raw[0], tz)
        else:
            answers[attribute.code] = raw[0]
    return typed, answers


@intake_only
@require_POST
def intake_file(request: HttpRequest) -> HttpResponse:
    """File a request for the caller: channel phone, the agent the actor. Errors come back next to their
    fields with nothing stored; success shows the number to read out and an empty form for the next call."""
    jurisdiction = jurisdictions.default_or_404()
    data = request.POST
    values = {
        name: data.get(name, "").strip()
        for name in ("address", "lat", "long", "description", *CONTACT_FIELDS)
    }
    service = _offered(jurisdiction).filter(service_code=data.get("service", "")).first()
    typed, answers = _typed_answers(service, data, jurisdiction.tz)
    errors: dict[str, list[str]] = {}
    if service is None:
        errors["service"] = ["Choose the service the caller is asking for."]
    found: list[FieldError] = []
    lat = parse_coordinate(values["lat"], "lat", -90, 90, found)
    long = parse_coordinate(values["long"], "long", -180, 180, found)
    if lat is None or long is None:
        lat = long = None
    if not (values["address"] or lat is not None):
        errors["address"] = ["Give the address, or pick the point on the map."]
    filed = None
    if service is not None and not errors:
        new = actions.NewRequest(
            service=service,
            location=Location(lat=lat, long=long, address=values["address"]),
            description=values["description"],
            answers=answers,
            contact=Contact(**{name: values[name] for name in CONTACT_FIELDS}),
        )
        try:
            filed = actions.submit_request(new, actions.Actor(channel=Channel.PHONE, user=request.user))
        except RequestRejected as exc:
            for error in exc.errors:
                errors.setdefault(words.field_for_error(error.field), []).append(error.message)
    if filed is not None:
        context = _form_context(jurisdiction, filed=filed)
    else:
        context = _form_context(jurisdiction, values=values, answers=typed, service=service, errors=errors)
    if _htmx(request):
        return render(request, "console/partials/intake_form.html", context)
    return _page(request, jurisdiction, **context)


@intake_only
@require_POST
def intake_follow(request: HttpRequest) -> HttpResponse:
    """Add the caller (the file form's caller details) as a follower of a request: they get its updates.
    Asking twice changes nothing (the domain keeps one follower per phone or email)."""
    user = request.user
    if not can(user, Capability.ADD_FOLLOWER):
        raise PermissionDenied("Your role may not add followers.")
    jurisdiction = jurisdictions.default_or_404()
    number = normalize_number(request.POST.get("number", ""), jurisdiction.request_id_prefix)
    sr = (
        visible_requests(user)
        .filter(jurisdiction=jurisdiction, service_request_id=number)
        .select_related("service", "parent")
        .first()
    )
    if sr is None:
        raise Http404("No such request")
    if not may(user, Capability.ADD_FOLLOWER, sr):
        raise PermissionDenied("Your role may not add followers to this request.")
    contact = {name: request.POST.get(name, "").strip() for name in CONTACT_FIELDS}
    phone, email = contact["phone"], contact["email"]
    existing = callers.existing_follower(sr, phone, email)
    if existing is not None:
        # The same person written differently ('312-555-0100', '+1 312 555 0100'): use the stored form,
        # so the domain recognises them and keeps one follower.
        phone = existing.phone if existing.phone and phone else phone
        email = existing.email if existing.email and email else email
    notice: dict = {"sr": sr}
    try:
        follower = actions.add_follower(
            sr,
            actions.Actor(channel=Channel.PHONE, user=user),
            email=email,
            phone=phone,
            name=f"{contact['first_name']} {contact['last_name']}".strip(),
        )
    except RequestRejected as exc:
        notice["errors"] = [_sentence(e.message) for e in exc.errors]
    else:
        notice.update(
            follower=follower,
            already=existing is not None,
            words=plain.status_in_words(
                sr, timezone.now(), jurisdiction.tz, since=callers.status_since([sr]).get(sr.pk)
            ),
        )
    if _htmx(request):
        return render(request, "console/partials/intake_notice.html", {"notice": notice})
    return _page(request, jurisdiction, notice=notice)
