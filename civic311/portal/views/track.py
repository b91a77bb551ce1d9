"""Tracking a request by its number (a parcel-tracker timeline, live), following it, "me too", residents'
comments, requests around a place, and "my requests" behind a one-time sign-in link.

Only public things are ever shown: public events of public requests (never internal notes, reporter
contact or requests of private services: those answer 404 as an unknown number does), visible comments.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.paginator import Paginator
from django.core.validators import validate_email
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civic311.accounts import throttle
from civic311.catalog import jurisdictions
from civic311.catalog.models import Jurisdiction, Service
from civic311.geo.geocoder import get_geocoder
from civic311.portal import community
from civic311.servicerequests import actions
from civic311.servicerequests.choices import CLOSED, OPEN, Channel, EventKind, FollowerReason, Status
from civic311.servicerequests.intake import CONTROL_CHARS, RequestRejected
from civic311.servicerequests.models import Comment, Event, Media, ServiceRequest
from civic311.servicerequests.numbers import normalize_number

NUMBER_MAX_LENGTH = 40
# What a typed number may contain; anything else (a NUL, a slash, markup) is no number of ours.
NUMBER_CHARACTERS = re.compile(r"^[A-Za-z0-9 -]+$")
SESSION_EMAIL = "portal_email"
AROUND_RADII = (250, 500, 1000, 2000, 5000, 10000)  # metres offered on /around/
AROUND_DEFAULT_RADIUS = 1000
AROUND_PAGE_SIZE = 20
AROUND_MAX_POINTS = 500  # points on the map at most (the list pages through all)
TEXT_FIELD_MAX = 300  # any one-line field (address, name) longer than this is refused


# --- helpers ----------------------------------------------------------------------------------------


def _find(jurisdiction: Jurisdiction, number: str) -> ServiceRequest | None:
    """The public request with this number (typed, spoken as digits, in lower case), else None."""
    if not number or len(number) > NUMBER_MAX_LENGTH or not NUMBER_CHARACTERS.match(number):
        return None
    return (
        ServiceRequest.objects.public()
        .filter(
            jurisdiction=jurisdiction,
            service_request_id=normalize_number(number, jurisdiction.request_id_prefix),
        )
        .select_related("service", "department")
        .first()
    )


def _not_found(request: HttpRequest, jurisdiction: Jurisdiction | None, number: str) -> HttpResponse:
    context = {"jurisdiction": jurisdiction, "number": number[:NUMBER_MAX_LENGTH]}
    return render(request, "portal/track_not_found.html", context, status=404)


@dataclass
class Entry:
    """One line of the timeline: an event of the city's or a resident's comment."""

    when: datetime
    kind: str
    title: str
    text: str = ""
    photos: list[Media] = field(default_factory=list)
    link_number: str = ""
    closing: bool = False
    sort_key: tuple = ()


def _event_title(event: Event) -> tuple[str, str]:
    """(title, number of another request to link to) of a public event, in the resident's language."""
    data = event.data or {}
    if event.kind == EventKind.CREATED:
        return _("Request received"), ""
    if event.kind == EventKind.ROUTED:
        department = data.get("department_name") or data.get("department") or _("a department")
        return _("Sent to %(department)s") % {"department": department}, ""
    if event.kind == EventKind.STATUS_CHANGED:
        return str(Status(event.status_code).label), ""
    if event.kind == EventKind.NOTE:
        return _("Update from the city"), ""
    if event.kind == EventKind.MEDIA_ADDED:
        return _("Photo added"), ""
    if event.kind == EventKind.MARKED_DUPLICATE:
        parent = str(data.get("parent", ""))
        return _("Closed: the same problem is tracked as %(number)s") % {"number": parent}, parent
    if event.kind == EventKind.DUPLICATE_ADDED:
        duplicate = str(data.get("duplicate", ""))
        return _("The same problem was also reported as %(number)s") % {"number": duplicate}, ""
    return str(EventKind(event.kind).label), ""


def _timeline(sr: ServiceRequest) -> list[Entry]:
    """The request's public events and visible comments, oldest first."""
    events = list(Event.objects.public().filter(request=sr).order_by("created_at", "pk"))
    photos: dict[int, list[Media]] = {}
    for media in Media.objects.public().filter(request=sr).exclude(event=None):
        if media.event_id is not None:
            photos.setdefault(media.event_id, []).append(media)
    entries = []
    for event in events:
        title, link = _event_title(event)
        entries.append(
            Entry(
                when=event.created_at,
                kind=event.kind,
                title=title,
                text="" if event.redacted_at else event.note,
                photos=photos.get(event.pk, []),
                link_number=link,
                closing=event.kind == EventKind.STATUS_CHANGED and event.status == CLOSED,
                sort_key=(event.created_at, 0, event.pk),
            )
        )
    for comment in Comment.objects.visible().filter(request=sr):
        entries.append(
            Entry(
                when=comment.created_at,
                kind="comment",
                title=_("%(name)s commented") % {"name": comment.name or _("A neighbour")},
                text=comment.text,
                sort_key=(comment.created_at, 1, comment.pk),
            )
        )
    entries.sort(key=lambda entry: entry.sort_key)
    return entries


# The parcel tracker's steps: (label, statuses at or past it).
def _steps(sr: ServiceRequest, routed: bool) -> list[dict]:
    done = sr.status == CLOSED
    working = sr.status_code in (Status.IN_PROGRESS, Status.SCHEDULED) or done
    steps = [
        {"label": _("Received"), "reached": True},
        {
            "label": _("Sent to %(department)s") % {"department": sr.department.name}
            if routed and sr.department
            else _("Sent to a department"),
            "reached": routed or working,
        },
        {"label": _("Being worked on"), "reached": working},
        {"label": _("Done"), "reached": done},
    ]
    current = max(i for i, step in enumerate(steps) if step["reached"])
    steps[current]["current"] = True
    return steps


def _track_context(sr: ServiceRequest, jurisdiction: Jurisdiction) -> dict[str, Any]:
    entries = _timeline(sr)
    routed = any(entry.kind == EventKind.ROUTED for entry in entries)
    tz = jurisdiction.tz
    expected = timezone.localtime(sr.expected_datetime, tz) if sr.expected_datetime else None
    me_too = sr.followers.filter(reason=FollowerReason.ME_TOO, active=True).count()
    return {
        "jurisdiction": jurisdiction,
        "sr": sr,
        "service_name": sr.service.translated("service_name"),
        "status_label": sr.get_status_code_display(),
        "is_open": sr.status == OPEN,
        "scheduled": sr.status_code == Status.SCHEDULED,
        "expected": expected,
        "requested": timezone.localtime(sr.requested_datetime, tz),
        "entries": entries,
        "steps": _steps(sr, routed),
        "me_too": me_too,
        "time_zone": jurisdiction.time_zone,
        "live_url": reverse("live:request_events", args=[sr.service_request_id]),
        "timeline_url": reverse("portal:track_timeline", args=[sr.service_request_id]),
    }


def _render_track(
    request: HttpRequest, sr: ServiceRequest, jurisdiction: Jurisdiction, status: int = 200, **extra: Any
) -> HttpResponse:
    context = _track_context(sr, jurisdiction)
    context.setdefault("follow_values", {})
    context.setdefault("comment_values", {})
    context.update(extra)
    return render(request, "portal/track.html", context, status=status)


def _field_messages() -> dict[str, str]:
    """What each field's rejection says to a resident, in their language (the domain words its errors
    in English for API clients; the page says it its own way)."""
    return {
        "email": _("Enter an email address like name@example.org, or a mobile phone number."),
        "phone": _("Enter a phone number like +1 312 555 0100."),
        "first_name": _("This name is too long: at most 100 characters."),
        "name": _("This name is too long: at most 100 characters."),
        "text": _("Write a comment first."),
        "request": _("Comments are not taken on this request."),
    }


def _errors(exc: RequestRejected) -> dict[str, str]:
    """Field -> message of a rejection, for the form."""
    words = _field_messages()
    found: dict[str, str] = {}
    for error in exc.errors:
        found.setdefault(error.field, words.get(error.field, error.message))
    return found


# --- tracking ---------------------------------------------------------------------------------------


@require_GET
def track_lookup(request: HttpRequest) -> HttpResponse:
    """The "find my request" form's target: /track/?number=… goes to the request's page."""
    number = request.GET.get("number", "").strip()
    jurisdiction = Jurisdiction.objects.default()
    if not number:
        return render(request, "portal/track_lookup.html", {"jurisdiction": jurisdiction})
    if jurisdiction is None or len(number) > NUMBER_MAX_LENGTH:
        return _not_found(request, jurisdiction, number)
    sr = _find(jurisdiction, number)
    if sr is None:
        return _not_found(request, jurisdiction, number)
    return redirect("portal:track", number=sr.service_request_id)


@require_GET
def track(request: HttpRequest, number: str) -> HttpResponse:
    jurisdiction = Jurisdiction.objects.default()
    sr = _find(jurisdiction, number) if jurisdiction else None
    if sr is None or jurisdiction is None:
        return _not_found(request, jurisdiction, number)
    if sr.service_request_id != number:  # keypad digits or lower case: the canonical address
        return redirect("portal:track", number=sr.service_request_id)
    return _render_track(request, sr, jurisdiction)


@require_GET
def track_timeline(request: HttpRequest, number: str) -> HttpResponse:
    """The status and timeline alone, which track.js fetches when the live stream says something changed."""
    jurisdiction = jurisdictions.default_or_404()
    sr = _find(jurisdiction, number)
    if sr is None:
        raise Http404("no public request with this number")
    response = render(request, "portal/partials/track_timeline.html", _track_context(sr, jurisdiction))
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def follow(request: HttpRequest, number: str) -> HttpResponse:
    """Get updates by email or text message; "me too" is the same with its reason, and is counted."""
    jurisdiction = jurisdictions.default_or_404()
    sr = _find(jurisdiction, number)
    if sr is None:
        return _not_found(request, jurisdiction, number)
    me_too = request.POST.get("reason") == "me_too"
    values = {name: request.POST.get(name, "")[: TEXT_FIELD_MAX + 1] for name in ("email", "phone", "name")}
    if throttle.over_limit("follow", throttle.client_hash(request), community.FOLLOW_LIMIT):
        return _render_track(
            request,
            sr,
            jurisdiction,
            status=429,
            follow_errors={"form": throttle.limit_message(community.FOLLOW_LIMIT)},
            follow_values=values,
        )
    errors: dict[str, str] = {}
    for name, value in values.items():
        if len(value) > TEXT_FIELD_MAX:
            errors[name] = _("This is too long.")
    if not errors:
        try:
            actions.add_follower(
                sr,
                actions.Actor(channel=Channel.WEB),
                email=values["email"],
                phone=values["phone"],
                name=values["name"],
                language=get_language() or "",
                # A neighbour who only follows has no reason of its own yet: "caller" is the nearest.
                reason=FollowerReason.ME_TOO if me_too else FollowerReason.FOLLOWER,
            )
        except RequestRejected as exc:
            errors = _errors(exc)
    if errors:
        return _render_track(
            request, sr, jurisdiction, status=400, follow_errors=errors, follow_values=values
        )
    if me_too:
        messages.success(request, _("Thank you: you are counted, and you will get updates."))
    else:
        messages.success(request, _("You will get updates about this request."))
    return redirect(reverse("portal:track", args=[sr.service_request_id]) + "#follow", permanent=False)


@require_POST
def comment(request: HttpRequest, number: str) -> HttpResponse:
    jurisdiction = jurisdictions.default_or_404()
    sr = _find(jurisdiction, number)
    if sr is None:
        return _not_found(request, jurisdiction, number)
    values = {
        "text": request.POST.get("text", "")[: actions.COMMENT_MAX_LENGTH * 2],
        "name": request.POST.get("name", "")[: TEXT_FIELD_MAX + 1],
        "email": request.POST.get("email", "")[: TEXT_FIELD_MAX + 1],
    }
    who = throttle.client_hash(request)
    if throttle.over_limit("comment", who, community.COMMENT_LIMIT):
        return _render_track(
            request,
            sr,
            jurisdiction,
            status=429,
            comment_errors={"form": throttle.limit_message(community.COMMENT_LIMIT)},
            comment_values=values,
        )
    try:
        held = community.spam_reasons(sr, values["text"])
        saved = actions.add_comment(
            sr,
            values["text"],
            name=values["name"],
            email=values["email"],
            ip_hash=who,
            held_because=", ".join(held),
        )
    except RequestRejected as exc:
        errors = _errors(exc)
        if "text" in errors and len(values["text"].strip()) > actions.COMMENT_MAX_LENGTH:
            errors["text"] = _("Your comment is too long: at most %(max)d characters.") % {
                "max": actions.COMMENT_MAX_LENGTH
            }
        if "email" in errors:
            errors["email"] = _("Enter an email address like name@example.org, or leave it empty.")
        return _render_track(
            request, sr, jurisdiction, status=400, comment_errors=errors, comment_values=values
        )
    if saved.status == "held":
        messages.info(request, _("Thank you. Your comment will appear once a moderator has read it."))
    else:
        messages.success(request, _("Thank you. Your comment is shown below."))
    return redirect(reverse("portal:track", args=[sr.service_request_id]) + "#timeline-heading")


# --- requests around a place ------------------------------------------------------------------------


@dataclass
class AroundQuery:
    lat: float
    long: float
    radius: int
    place: str  # the address searched for, or ""
    service: Service | None
    status: str  # "", "open" or "closed"
    start: date | None
    end: date | None


def _parse_date(raw: str, label: str, errors: dict[str, str], name: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = _("%(label)s must be a date like 2026-05-31.") % {"label": label}
        return None


def _parse_around(
    request: HttpRequest, jurisdiction: Jurisdiction
) -> tuple[AroundQuery | None, dict[str, str]]:
    """The filters of /around/ and its points, checked; (None, errors) when something is wrong."""
    get = request.GET
    errors: dict[str, str] = {}
    lat = long = None
    if any(CONTROL_CHARS.search(str(value)) for value in get.values()):
        return None, {"form": _("The search contains characters that cannot be used.")}
    place = get.get("place", "").strip()
    raw_lat, raw_long = get.get("lat", "").strip(), get.get("long", "").strip()
    if raw_lat or raw_long:
        try:
            lat, long = float(raw_lat), float(raw_long)
            if not (-90 <= lat <= 90 and -180 <= long <= 180) or lat != lat or long != long:
                raise ValueError
        except ValueError:
            errors["location"] = _(
                "The coordinates are not valid: latitude -90 to 90, longitude -180 to 180."
            )
            lat = long = None
    elif place:
        if len(place) > TEXT_FIELD_MAX:
            errors["place"] = _("This address is too long.")
        else:
            found = get_geocoder().geocode(jurisdiction, place)
            if found is None:
                errors["place"] = _("We could not find this address. Check it, or try a nearby one.")
            else:
                lat, long = found.lat, found.long
    if lat is None and "location" not in errors and "place" not in errors:
        centre = community.city_centre(jurisdiction)
        if centre is None:
            errors["location"] = _("Give an address to search around.")
        else:
            lat, long = centre
    radius = AROUND_DEFAULT_RADIUS
    if raw_radius := get.get("radius", "").strip():
        try:
            radius = int(raw_radius)
        except ValueError:
            radius = -1
        if radius not in AROUND_RADII:
            errors["radius"] = _("Choose one of the distances offered.")
    service = None
    if code := get.get("service", "").strip():
        service = Service.objects.filter(
            jurisdiction=jurisdiction, service_code=code[:100], private=False
        ).first()
        if service is None:
            errors["service"] = _("There is no such type of problem.")
    status = get.get("status", "").strip()
    if status not in ("", OPEN, CLOSED):
        errors["status"] = _("Choose open, closed or all.")
    start = _parse_date(get.get("start", ""), _("From"), errors, "start")
    end = _parse_date(get.get("end", ""), _("To"), errors, "end")
    if start and end and start > end:
        errors["end"] = _("The end date is before the start date.")
    if errors:
        return None, errors
    assert lat is not None and long is not None
    return AroundQuery(lat, long, radius, place, service, status, start, end), errors


def _around_requests(jurisdiction: Jurisdiction, q: AroundQuery):
    qs = ServiceRequest.objects.public().of(jurisdiction).near(q.lat, q.long, q.radius)
    if q.service is not None:
        qs = qs.filter(service=q.service)
    if q.status:
        qs = qs.filter(status=q.status)
    tz = jurisdiction.tz
    if q.start:
        qs = qs.filter(requested_datetime__gte=datetime.combine(q.start, time.min, tzinfo=tz))
    if q.end:
        qs = qs.filter(
            requested_datetime__lt=datetime.combine(q.end + timedelta(days=1), time.min, tzinfo=tz)
        )
    return qs.select_related("service").order_by("-requested_datetime", "-pk")


def _within(jurisdiction: Jurisdiction, q: AroundQuery) -> list[ServiceRequest]:
    """The requests inside the circle, newest first."""
    qs = _around_requests(jurisdiction, q)
    fields = ("pk", "service_request_id", "service__service_name", "service__translations", "status",
              "status_code", "requested_datetime", "address", "lat", "long")  # fmt: skip
    return list(qs.only(*fields))


@require_GET
def around(request: HttpRequest) -> HttpResponse:
    jurisdiction = jurisdictions.default_or_404()
    q, errors = _parse_around(request, jurisdiction)
    services = [
        (s.service_code, s.translated("service_name"))
        for s in Service.objects.filter(jurisdiction=jurisdiction, private=False).order_by("service_name")
    ]
    context: dict[str, Any] = {
        "jurisdiction": jurisdiction,
        "values": request.GET,
        "errors": errors,
        "services": services,
        "radii": AROUND_RADII,
        "radius": str(q.radius if q else AROUND_DEFAULT_RADIUS),
        "tile_url": settings.PORTAL_TILE_URL,
        "tile_attribution": settings.PORTAL_TILE_ATTRIBUTION,
    }
    if q is None:
        return render(request, "portal/around.html", context, status=400)
    found = _within(jurisdiction, q)
    page = Paginator(found, AROUND_PAGE_SIZE).get_page(request.GET.get("page"))
    tz = jurisdiction.tz
    items = [
        {
            "number": sr.service_request_id,
            "service": sr.service.translated("service_name"),
            "status_label": sr.get_status_code_display(),
            "open": sr.status == OPEN,
            "requested": timezone.localtime(sr.requested_datetime, tz),
            "address": sr.address,
        }
        for sr in page.object_list
    ]
    params = {k: v for k, v in request.GET.items() if k != "page" and v}
    context.update(
        query=q,
        page=page,
        items=items,
        total=len(found),
        page_query=urlencode(params),
        points_url=reverse("portal:around_points") + ("?" + urlencode(params) if params else ""),
    )
    return render(request, "portal/around.html", context)


@require_GET
def around_points(request: HttpRequest) -> HttpResponse:
    """The same requests as /around/ as GeoJSON points, for the map (newest first, at most 500)."""
    jurisdiction = jurisdictions.default_or_404()
    q, errors = _parse_around(request, jurisdiction)
    if q is None:
        return JsonResponse({"errors": errors}, status=400)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [sr.long, sr.lat]},
            "properties": {
                "number": sr.service_request_id,
                "service": sr.service.translated("service_name"),
                "status": sr.status,
                "status_label": str(sr.get_status_code_display()),
                "url": reverse("portal:track", args=[sr.service_request_id]),
            },
        }
        for sr in _within(jurisdiction, q)[:AROUND_MAX_POINTS]
    ]
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "centre": [q.long, q.lat],
            "radius": q.radius,
            "features": features,
        },
        content_type="application/geo+json",
    )


# --- my requests ------------------------------------------------------------------------------------


def _my_requests(jurisdiction: Jurisdiction, email: str) -> list[dict]:
    qs = (
        ServiceRequest.objects.filter(jurisdiction=jurisdiction)
        .filter(
            Q(reporter_email__iexact=email)
            | Q(
                pk__in=ServiceRequest.objects.filter(
                    followers__email__iexact=email, followers__active=True
                ).values("pk")
            )
        )
        .select_related("service")
        .order_by("-requested_datetime", "-pk")[:200]
    )
    tz = jurisdiction.tz
    return [
        {
            "number": sr.service_request_id,
            "service": sr.service.translated("service_name"),
            "status_label": sr.get_status_code_display(),
            "open": sr.status == OPEN,
            "public": sr.public,
            "requested": timezone.localtime(sr.requested_datetime, tz),
            "address": sr.address,
        }
        for sr in qs
    ]


@require_http_methods(["GET", "POST"])
def mine(request: HttpRequest) -> HttpResponse:
    """Signed in (the session holds a verified email): the list. Else: the form that mails a link."""
    jurisdiction = jurisdictions.default_or_404()
    email = request.session.get(SESSION_EMAIL)
    if request.method == "GET":
        if email:
            mine_context = {
                "jurisdiction": jurisdiction,
                "email": email,
                "items": _my_requests(jurisdiction, email),
            }
            response = render(request, "portal/mine.html", mine_context)
            response["Cache-Control"] = "private, no-store"
            return response
        return render(request, "portal/mine_sign_in.html", {"jurisdiction": jurisdiction})
    raw = request.POST.get("email", "").strip()
    context: dict[str, Any] = {"jurisdiction": jurisdiction, "value": raw[: TEXT_FIELD_MAX + 1]}
    try:
        if len(raw) > 254 or CONTROL_CHARS.search(raw):
            raise ValidationError("too long or control characters")
        validate_email(raw)
    except ValidationError:
        context["error"] = _("Enter your email address, like name@example.org.")
        return render(request, "portal/mine_sign_in.html", context, status=400)
    if throttle.over_limit("sign-in", throttle.client_hash(request), community.SIGN_IN_LIMIT):
        context["error"] = throttle.limit_message(community.SIGN_IN_LIMIT)
        return render(request, "portal/mine_sign_in.html", context, status=429)
    # Mailed whether or not the address has requests: the page says the same either way. Past the
    # per-address limit nothing more is mailed, and the page still says the same.
    if not throttle.over_limit("sign-in-email", raw.lower(), community.SIGN_IN_EMAIL_LIMIT):
        token = community.make_sign_in_token(raw)
        link = settings.PUBLIC_BASE_URL + reverse("portal:mine_sign_in", args=[token])
        mail_context = {
            "jurisdiction": jurisdiction,
            "link": link,
            "minutes": community.SIGN_IN_MAX_AGE // 60,
        }
        subject = render_to_string("portal/email/sign_in_subject.txt", mail_context).strip()
        body = render_to_string("portal/email/sign_in.txt", mail_context)
        send_mail(subject, body, None, [raw])
    return render(request, "portal/mine_sent.html", {"jurisdiction": jurisdiction, "email": raw})


@require_http_methods(["GET", "POST"])
def mine_sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the email. GET asks to confirm (mail scanners follow links; they do not press
    buttons), POST spends the token and signs in."""
    jurisdiction = jurisdictions.default_or_404()
    context: dict[str, Any] = {"jurisdiction": jurisdiction, "token": token}
    if len(token) > 500:
        context["error"] = _("This sign-in link is not valid. Ask for a new one below.")
        return render(request, "portal/mine_sign_in.html", context, status=400)
    if request.method == "GET":
        try:  # said at once when the link cannot work; spent only by the button
            community.check_sign_in_token(token)
        except community.BadToken as exc:
            context["error"] = str(exc)
            return render(request, "portal/mine_sign_in.html", context, status=400)
        return render(request, "portal/mine_confirm.html", context)
    try:
        email = community.use_sign_in_token(token)
    except community.BadToken as exc:
        context["error"] = str(exc)
        return render(request, "portal/mine_sign_in.html", context, status=400)
    request.session.cycle_key()
    request.session[SESSION_EMAIL] = email
    return redirect("portal:mine")


@require_POST
def mine_sign_out(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_EMAIL, None)
    request.session.cycle_key()
    messages.info(request, _("You are signed out."))
    return redirect("portal:mine")


urlpatterns: list[URLPattern] = [
    path("track/", track_lookup, name="track_lookup"),
    path("track/<str:number>", track, name="track"),
    path("track/<str:number>/timeline", track_timeline, name="track_timeline"),
    path("track/<str:number>/follow", follow, name="track_follow"),
    path("track/<str:number>/comment", comment, name="track_comment"),
    # Anything else under track/ (a number with a slash in it): the same helpful 404 page.
    path("track/<path:number>", track),
    path("around/", around, name="around"),
    path("around/points.geojson", around_points, name="around_points"),
    path("me/", mine, name="mine"),
    path("me/sign-in/<str:token>", mine_sign_in, name="mine_sign_in"),
    path("me/sign-out", mine_sign_out, name="mine_sign_out"),
]
