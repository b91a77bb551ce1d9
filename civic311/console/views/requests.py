"""One request as staff see it, and what they can do to it. Every change goes through the domain
(servicerequests.actions); every check through accounts.permissions."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from civic311.accounts.choices import Capability
from civic311.accounts.permissions import may, may_see, profile_of, visible_requests
from civic311.catalog import cache
from civic311.console.access import staff_required
from civic311.console.forms import (
    AssignForm,
    DuplicateForm,
    FollowerForm,
    NoteForm,
    PriorityForm,
    ReferForm,
    RerouteForm,
    StatusForm,
)
from civic311.console.models import ResponseTemplate
from civic311.geo.models import District
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, Status
from civic311.servicerequests.intake import RequestRejected
from civic311.servicerequests.models import ServiceRequest
from civic311.servicerequests.numbers import normalize_number

NEARBY_METRES = 250
NEARBY_LIMIT = 10


def _get(request: HttpRequest, number: str) -> ServiceRequest:
    if "\x00" in number:  # PostgreSQL refuses a NUL in a parameter (an error, not "no match")
        raise Http404("No such request, or not one of yours")
    found = (
        visible_requests(request.user)
        .select_related("service", "department", "team", "assignee", "parent", "jurisdiction", "routing_rule")
        .filter(service_request_id=normalize_number(number, _default_prefix()))
        .first()
    )
    if found is None:
        raise Http404("No such request, or not one of yours")
    return found


def _default_prefix() -> str:
    """The default jurisdiction's number prefix, so keypad digits alone open a request."""
    default = next(iter(cache.jurisdictions()), None)  # the default first
    return default.request_id_prefix if default else ""


def nearby_open(user, sr: ServiceRequest, metres: float = NEARBY_METRES) -> list[tuple[ServiceRequest, int]]:
    """Open requests within `metres`, nearest first, with their distance (for "already reported")."""
    if sr.lat is None or sr.long is None:
        return []
    candidates = (
        visible_requests(user)
        .open()
        .near(sr.lat, sr.long, metres)
        .nearest_first()
        .exclude(pk=sr.pk)
        .select_related("service")[:200]
    )
    near = [(c, c.metres_from(sr.lat, sr.long)) for c in candidates]
    near.sort(key=lambda pair: (pair[0].service_id != sr.service_id, pair[1]))
    return near[:NEARBY_LIMIT]


def _answers(sr: ServiceRequest) -> list[tuple[str, str]]:
    """(question, answer in words) for the request's attributes."""
    out = []
    attributes = {a.code: a for a in sr.service.questions()}
    for code, value in sr.attributes.items():
        attribute = attributes.get(code)
        if attribute is None:
            out.append((code, str(value)))
            continue
        names = {v.key: v.name for v in attribute.values.all()}
        shown = (
            ", ".join(str(names.get(v, v)) for v in value)
            if isinstance(value, list)
            else names.get(value, value)
        )
        out.append((attribute.description, str(shown)))
    return out


@staff_required()
def request_page(request: HttpRequest, number: str) -> HttpResponse:
    sr = _get(request, number)
    user = request.user
    events = sr.events.select_related("actor", "api_client").order_by("-created_at", "-pk")
    if not may(user, Capability.SEE_INTERNAL_NOTES, sr):
        events = events.without_internal()
    ward = District.objects.filter(requests=sr, kind="ward").first()
    context = {
        "sr": sr,
        "events": events,
        "answers": _answers(sr),
        "photos": sr.media.filter(public=True),
        "ward": ward,
        "nearby": nearby_open(user, sr),
        "duplicates": sr.duplicates.select_related("service"),
        "followers": sr.followers.filter(active=True).count(),
        "show_contact": may(user, Capability.SEE_CONTACT, sr),
        "profile": profile_of(user),
        "can": {c.value: may(user, c.value, sr) for c in Capability},
        "overdue": sr.is_overdue(),
        # One page, many forms with fields of the same name (note, assignee): each form its own ids, or
        # the labels of all but the first point at another form's field. The status form keeps id_ (the
        # response-template script fills id_note).
        "status_form": StatusForm(initial={"status": sr.status_code}),
        "note_form": NoteForm(),
        "priority_form": PriorityForm(initial={"priority": sr.priority}),
        "reroute_form": RerouteForm(
            jurisdiction=sr.jurisdiction,
            initial={"department": sr.department_id, "team": sr.team_id, "assignee": sr.assignee_id},
            auto_id="reroute_%s",
        ),
        "assign_form": AssignForm(team=sr.team, initial={"assignee": sr.assignee_id}),
        "duplicate_form": DuplicateForm(auto_id="duplicate_%s"),
        "refer_form": ReferForm(auto_id="refer_%s"),
        "follower_form": FollowerForm(auto_id="follower_%s"),
        "templates": ResponseTemplate.objects.for_request(sr.service),
    }
    template = (
        "console/partials/timeline.html" if request.GET.get("part") == "timeline" else "console/request.html"
    )
    return render(request, template, context)


def _actor(request: HttpRequest) -> actions.Actor:
    return actions.Actor(channel=Channel.STAFF, user=request.user)


def _done(request: HttpRequest, sr: ServiceRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("console:request", number=sr.service_request_id)


def _refused(request: HttpRequest, sr: ServiceRequest, errors) -> HttpResponse:
    for error in errors:
        messages.error(request, str(error))
    return redirect("console:request", number=sr.service_request_id)


def _form_errors(form) -> list[str]:
    return [f"{field}: {error}" for field, errors in form.errors.items() for error in errors]


def _act(capability: str):
    """A POST action on one request, for users with the capability on that request."""

    def decorate(view):
        @staff_required()
        @require_POST
        def wrapper(request, number):
            sr = _get(request, number)
            if not may(request.user, capability, sr):
                raise PermissionDenied(f"Your role may not {capability.replace('_', ' ')} here.")
            try:
                return view(request, sr)
            except RequestRejected as exc:
                return _refused(request, sr, exc.errors)

        wrapper.__name__ = view.__name__
        return wrapper

    return decorate


@_act(Capability.CHANGE_STATUS)
def change_status(request: HttpRequest, sr: ServiceRequest) -> HttpResponse:
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _refused(request, sr, _form_errors(form))
    status = form.cleaned_data["status"]
    actions.change_status(sr, status, _actor(request), note=form.cleaned_data["note"])
    return _done(request, sr, f"Status changed to {Status(status).label}.")


@staff_required()
@require_POST
def add_note(request: HttpRequest, number: str) -> HttpResponse:
    sr = _get(request, number)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _refused(request, sr, _form_errors(form))
    public = form.cleaned_data["public"]
    capability = Capability.ADD_PUBLIC_NOTE if public else Capability.ADD_INTERNAL_NOTE
    if not may(request.user, capability, sr):
        raise PermissionDenied("Your role may not add that kind of note here.")
    try:
        actions.add_note(sr, form.cleaned_data["note"], _actor(request), public=public)
    except RequestRejected as exc:
        return _refused(request, sr, exc.errors)
    return _done(request, sr, "Public note added." if public else "Internal note added.")


@_act(Capability.SET_PRIORITY)
def set_priority(request: HttpRequest, sr: ServiceRequest) -> HttpResponse:
    form = PriorityForm(request.POST)
    if not form.is_valid():
        return _refused(request, sr, _form_errors(form))
    actions.set_priority(sr, _actor(request), form.cleaned_data["priority"])
    return _done(request, sr, "Priority changed.")


@_act(Capability.REASSIGN)
def reroute(request: HttpRequest, sr: ServiceRequest) -> HttpResponse:
    form = RerouteForm(request.POST, jurisdiction=sr.jurisdiction)
    if not form.is_valid():
        return _refused(request, sr, _form_errors(form))
    data = form.cleaned_data
    actions.reroute(
        sr,
        _actor(request),
        department=data["department"],
        team=data["team"],
        assignee=data["assignee"],
        note=data["note"],
    )
    if not may_see(request.user, sr):
        # Sent out of the user's scope (another department): its page would now be a 404 for them.
        messages.success(request, f"{sr.service_request_id} sent on to {sr.department or 'triage'}.")
        return redirect("console:queue")
    return _done(request, sr, "Request sent on.")


@_act(Capability.ASSIGN_IN_TEAM)
def assign(request: HttpRequest, sr: ServiceRequest) -> HttpResponse:
    form = AssignForm(request.POST, team=sr.team)
    if not form.is_valid():
        return _refused(request, sr, _form_errors(form))
    actions.assign(sr, _actor(request), form.cleaned_data["assignee"])
    return _done(request, sr, "Assignment changed.")


@_act(Capability.MARK_DUPLICATE)
def mark_duplicate(request: HttpRequest, sr: ServiceRequest) -> HttpResponse:
    form = DuplicateForm(request.POST)
    if not form.is_valid():
        return _refused(request, sr, _form_errors(form))
    # With the prefix: keypad digits (260001234) stand for SR26-000123-4.
    number = normalize_number(form.cleaned_data["parent"], sr.jurisdiction.request_id_prefix)
    parent = (
        visible_requests(request.user).filter(jurisdiction=sr.jurisdiction, service_request_id=number).first()
    )
    if parent is None:
        return _refused(request, sr, [f"parent: no request {form.cleaned_data['parent']} that you can see"])
    actions.mark_duplicate(sr, parent, _actor(request), note=form.cleaned_data["note"])
    return _done(
        request, sr, f"Closed as a duplicate of {sr.parent.service_request_id if sr.parent else parent}."
    )


@_act(Capability.REFER)
def refer(request: HttpRequest, sr: ServiceRequest) -> HttpResponse:
    form = ReferForm(request.POST)
    if not form.is_valid():
        return _refused(request, sr, _form_errors(form))
    actions.refer(sr, _actor(request), to=form.cleaned_data["to"], note=form.cleaned_data["note"])
    return _done(request, sr, f"Referred to {form.cleaned_data['to']}.")


@_act(Capability.ADD_FOLLOWER)
def add_follower(request: HttpRequest, sr: ServiceRequest) -> HttpResponse:
    form = FollowerForm(request.POST)
    if not form.is_valid():
        return _refused(request, sr, _form_errors(form))
    data = form.cleaned_data
    actions.add_follower(sr, _actor(request), email=data["email"], phone=data["phone"], name=data["name"])
    return _done(request, sr, "The caller will get updates of this request.")


def assignable_people(team):
    return team.members.filter(is_active=True) if team else get_user_model().objects.none()
