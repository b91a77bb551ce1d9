"""Tracking a request by its number (a parcel-tracker timeline, live), following it, "me too", and
residents' comments.

Only public things are ever shown: public events of public requests (never internal notes, reporter
contact or requests of private services: those answer 404 as an unknown number does), visible comments.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civic311.accounts import throttle
from civic311.catalog import jurisdictions
from civic311.catalog.models import Jurisdiction
from civic311.portal import community
from civic311.portal.forms import TEXT_FIELD_MAX
from civic311.routing import estimates
from civic311.servicerequests import actions, plain
from civic311.servicerequests.choices import CLOSED, OPEN, Channel, EventKind, FollowerReason, Status
from civic311.servicerequests.intake import RequestRejected
from civic311.servicerequests.models import Comment, Event, Media, ServiceRequest
from civic311.servicerequests.numbers import normalize_number

NUMBER_MAX_LENGTH = 40


# What a typed number may contain; anything else (a NUL, a slash, markup) is no number of ours.
NUMBER_CHARACTERS = re.compile(r"^[A-Za-z0-9 -]+$")


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
        "typical": plain.typical_time(estimates.for_request(sr)) if sr.status == OPEN else "",
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


urlpatterns: list[URLPattern] = [
    path("track/", track_lookup, name="track_lookup"),
    path("track/<str:number>", track, name="track"),
    path("track/<str:number>/timeline", track_timeline, name="track_timeline"),
    path("track/<str:number>/follow", follow, name="track_follow"),
    path("track/<str:number>/comment", comment, name="track_comment"),
    # Anything else under track/ (a number with a slash in it): the same helpful 404 page.
    path("track/<path:number>", track),
]
