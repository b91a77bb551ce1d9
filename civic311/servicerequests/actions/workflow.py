"""Working a request: status changes, notes, duplicates, referrals, re-routing, assignment, priority,
escalation. A status with a meaning of its own has its own function (choices.OWN_DOOR)."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from civic311.catalog.models import Department
from civic311.servicerequests.actions.core import Actor, check_note, locked, record, routed_data
from civic311.servicerequests.actions.followers import follow
from civic311.servicerequests.choices import (
    OWN_DOOR,
    Channel,
    EventKind,
    FollowerReason,
    Priority,
    Status,
)
from civic311.servicerequests.intake import (
    FieldError,
    RequestRejected,
    clean_text,
)
from civic311.servicerequests.models import Event, ServiceRequest

if TYPE_CHECKING:
    from civic311.routing.models import Team


def check_status_change(status_code: str) -> None:
    """Refuses (RequestRejected) a status change_status does not make: unknown, or with its own door."""
    if status_code not in Status.values:
        raise RequestRejected([FieldError("status", f"'{status_code}' is not a status")])
    if status_code in OWN_DOOR:
        raise RequestRejected([FieldError("status", OWN_DOOR[status_code])])


def change_status(
    request: ServiceRequest,
    status_code: str,
    actor: Actor,
    *,
    note: str = "",
    public: bool = True,
    at: datetime | None = None,
    external_id: str = "",
    data: dict | None = None,
) -> Event:
    """Move a request to a status, with a note (public: it becomes the status_notes). `data` goes on the
    event beside from/to (e.g. who wrote an update that a client relays). A status with a meaning of its
    own (choices.OWN_DOOR) is refused: mark_duplicate and refer reach those."""
    check_status_change(status_code)
    return _set_status(
        request, status_code, actor, note=note, public=public, at=at, external_id=external_id, data=data
    )


def _set_status(
    request: ServiceRequest,
    status_code: str,
    actor: Actor,
    *,
    note: str = "",
    public: bool = True,
    at: datetime | None = None,
    external_id: str = "",
    data: dict | None = None,
) -> Event:
    note = check_note(note)
    at = at or timezone.now()
    with transaction.atomic():
        held = locked(request)
        previous = held.status_code
        held.set_status(status_code, at)
        if note and public:
            held.status_notes = note
        held.save()
        event = record(
            held,
            EventKind.STATUS_CHANGED,
            actor,
            at=at,
            public=public,
            note=note,
            data={**(data or {}), "from": previous, "to": status_code},
            external_id=external_id,
        )
    request.refresh_from_db()
    return event


def add_note(
    request: ServiceRequest,
    text: str,
    actor: Actor,
    *,
    public: bool,
    at: datetime | None = None,
    external_id: str = "",
    data: dict | None = None,
) -> Event:
    """A note on the timeline: public (residents see it) or internal (staff only)."""
    text = check_note(text)
    if not text:
        raise RequestRejected([FieldError("description", "a note needs some text")])
    at = at or timezone.now()
    with transaction.atomic():
        held = locked(request)
        if public:  # an internal note changes nothing the public sees, so clients need not re-fetch
            held.updated_datetime = at
            held.status_notes = text
            held.save(update_fields=["updated_datetime", "status_notes"])
        event = record(
            held,
            EventKind.NOTE,
            actor,
            at=at,
            public=public,
            note=text,
            data=data,
            external_id=external_id,
        )
    request.refresh_from_db()
    return event


def mark_duplicate(child: ServiceRequest, parent: ServiceRequest, actor: Actor, *, note: str = "") -> Event:
    """Close `child` as a duplicate of `parent`; both timelines say so."""
    if child.pk == parent.pk:
        raise RequestRejected([FieldError("parent", "a request cannot duplicate itself")])
    if child.jurisdiction_id != parent.jurisdiction_id:
        raise RequestRejected([FieldError("parent", "the requests belong to different jurisdictions")])
    if not child.is_open:
        raise RequestRejected(
            [FieldError("parent", f"{child} is already closed ({child.get_status_code_display()})")]
        )
    # Follow the chain so a request never ends up a duplicate of its own duplicate.
    root, seen = parent, {child.pk}
    while root.parent is not None and root.pk not in seen:
        seen.add(root.pk)
        root = root.parent
    if root.pk == child.pk:
        raise RequestRejected([FieldError("parent", f"{parent} is already a duplicate of {child}")])
    if child.public and not root.public:
        # Its reporter and followers would be sent to a request they may not see.
        raise RequestRejected(
            [
                FieldError(
                    "parent", f"{root} is not public: a public request cannot be closed as its duplicate"
                )
            ]
        )
    note = check_note(note) or f"Duplicate of {root.service_request_id}"
    at = timezone.now()
    with transaction.atomic():
        held = locked(child)
        previous = held.status_code
        held.parent = root
        held.set_status(Status.DUPLICATE, at)
        held.status_notes = note
        held.save()
        event = record(
            held,
            EventKind.MARKED_DUPLICATE,
            actor,
            at=at,
            note=note,
            data={"from": previous, "to": Status.DUPLICATE, "parent": root.service_request_id},
        )
        locked_root = locked(root)
        locked_root.updated_datetime = at
        locked_root.save(update_fields=["updated_datetime"])
        # Public when the duplicate is: a private request's number is never shown on a public one.
        record(
            locked_root,
            EventKind.DUPLICATE_ADDED,
            actor,
            at=at,
            public=held.public,
            data={"duplicate": held.service_request_id},
        )
        # Whoever followed the duplicate now follows the original: they hear when it is fixed.
        for follower in held.followers.filter(active=True):
            follow(
                locked_root,
                follower.email,
                follower.phone,
                follower.name,
                follower.language,
                FollowerReason.DUPLICATE,
                at,
            )
    child.refresh_from_db()
    return event


def reroute(
    request: ServiceRequest,
    actor: Actor,
    *,
    department: Department | None,
    team: "Team | None" = None,
    assignee=None,
    note: str = "",
) -> Event:
    """Send a request elsewhere by hand: another department, team or person. Public when the department
    changes (residents see where their request is), internal otherwise. `note` (why) is internal always."""
    note = check_note(note)
    if team is not None and (department is None or team.department_id != department.pk):
        raise RequestRejected([FieldError("team", f"{team.name} is not a team of {department}")])
    if assignee is not None and team is not None and not team.members.filter(pk=assignee.pk).exists():
        raise RequestRejected([FieldError("assignee", f"{assignee.get_username()} is not in {team.name}")])
    if assignee is not None and team is None:
        # Without a team, the person must at least work for the department the request goes to.
        profile = getattr(assignee, "staff", None)
        if department is None or profile is None or profile.department_id != department.pk:
            where = department.name if department else "triage"
            raise RequestRejected(
                [FieldError("assignee", f"{assignee.get_username()} does not work for {where}")]
            )
    at = timezone.now()
    with transaction.atomic():
        held = locked(request)
        before = {"department": held.department_id, "team": held.team_id, "assignee": held.assignee_id}
        held.department, held.team, held.assignee = department, team, assignee
        held.routing_rule = None
        department_changed = before["department"] != held.department_id
        if department_changed:
            held.updated_datetime = at
        held.save()
        data: dict[str, Any] = {"by_hand": True, "before": before}
        if department is not None:
            data.update(routed_data(department))
        if team is not None:
            data["team"] = team.name
        if assignee is not None:
            data.update(assignee=assignee.get_username(), assignee_id=assignee.pk)
        kind = (
            EventKind.ROUTED if department_changed or before["team"] != held.team_id else EventKind.ASSIGNED
        )
        public = department_changed and department is not None
        # The public step says only where the request went; why is staff's ("Why (internal)"), on an
        # internal note beside it.
        event = record(held, kind, actor, at=at, public=public, note="" if public else note, data=data)
        if public and note:
            record(held, EventKind.NOTE, actor, at=at, public=False, note=note, data={"reroute": event.pk})
    request.refresh_from_db()
    return event


def assign(request: ServiceRequest, actor: Actor, assignee) -> Event:
    """Give a request to a person of its team (or take it away: None)."""
    return reroute(request, actor, department=request.department, team=request.team, assignee=assignee)


def set_priority(request: ServiceRequest, actor: Actor, priority: int) -> Event:
    if priority not in Priority.values:
        raise RequestRejected([FieldError("priority", f"{priority!r} is not a priority")])
    at = timezone.now()
    with transaction.atomic():
        held = locked(request)
        before = held.priority
        held.priority = priority
        held.save(update_fields=["priority"])
        event = record(
            held,
            EventKind.PRIORITY_CHANGED,
            actor,
            at=at,
            public=False,
            data={"from": before, "to": priority},
        )
    request.refresh_from_db()
    return event


def refer(request: ServiceRequest, actor: Actor, *, to: str, note: str = "") -> Event:
    """Close a request as referred to an outside body (a utility, the state, the park district …)."""
    to = clean_text(to)[:200]
    if not to:
        raise RequestRejected([FieldError("to", "say whom it is referred to")])
    note = note or f"Referred to {to}"
    return _set_status(request, Status.REFERRED, actor, note=note, data={"referred_to": to})


def escalate(request: ServiceRequest, supervisor, *, at: datetime) -> Event | None:
    """Mark an open request overdue (once) and tell its team's supervisor (an internal event that the
    notifications pick up). None when it is closed or already overdue."""
    with transaction.atomic():
        held = locked(request)
        if not held.is_open or held.overdue_since is not None:
            return None
        held.overdue_since = at
        held.save(update_fields=["overdue_since"])
        data = {"expected": held.expected_datetime.isoformat() if held.expected_datetime else None}
        if supervisor is not None:
            data.update(supervisor=supervisor.get_username(), supervisor_id=supervisor.pk)
        return record(held, EventKind.ESCALATED, Actor(channel=Channel.STAFF), at=at, public=False, data=data)
