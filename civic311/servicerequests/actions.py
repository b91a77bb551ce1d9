"""The one door into the domain: every channel creates and changes requests through these functions.

Each function validates, writes the request and an Event in one transaction, and announces the event
after commit (signals.event_recorded) for the side effects.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from civic311.accounts.models import ApiKey
from civic311.catalog.models import Department, Service
from civic311.geo.districts import district_ids_at
from civic311.geo.geocoder import get_geocoder
from civic311.geo.models import District
from civic311.routing import engine, router
from civic311.servicerequests import photos
from civic311.servicerequests.choices import (
    CLOSED_STATUSES,
    NOTE_MAX_LENGTH,
    OWN_DOOR,
    Channel,
    EventKind,
    Priority,
    Status,
)
from civic311.servicerequests.intake import (
    Answers,
    Contact,
    FieldError,
    Location,
    RequestRejected,
    check_answers,
    check_contact,
    check_description,
    check_location,
    check_media_urls,
    clean_text,
)
from civic311.servicerequests.models import (
    Comment,
    CommentStatus,
    Event,
    Follower,
    FollowerReason,
    Media,
    ServiceRequest,
)
from civic311.servicerequests.numbers import next_number
from civic311.servicerequests.signals import event_recorded

if TYPE_CHECKING:
    from civic311.routing.models import Team


@dataclass
class Actor:
    """Who acts and through which channel: a signed-in user, an API client, or a resident (neither)."""

    channel: str
    user: Any = None  # a signed-in user (settings.AUTH_USER_MODEL)
    api_client: ApiKey | None = None


@dataclass
class NewRequest:
    """What a channel hands in to file a request."""

    service: Service
    location: Location
    description: str = ""
    answers: dict[str, Any] = field(default_factory=dict)  # attribute code -> text or list of texts
    contact: Contact = field(default_factory=Contact)
    media_urls: list[str] = field(default_factory=list)
    photos: list[UploadedFile] = field(default_factory=list)
    # False: the contact details are for the city only, the reporter asked for no updates (they are kept,
    # as a follower that gets nothing, so staff still see who reported it).
    follow: bool = True


def _announce(event: Event) -> None:
    transaction.on_commit(lambda: event_recorded.send(sender=Event, event=event))


def _record(
    request: ServiceRequest,
    kind: str,
    actor: Actor,
    *,
    at: datetime,
    public: bool = True,
    note: str = "",
    data: dict | None = None,
    external_id: str = "",
) -> Event:
    event = Event.objects.create(
        request=request,
        kind=kind,
        created_at=at,
        actor=actor.user if actor.user and actor.user.is_authenticated else None,
        api_client=actor.api_client,
        channel=actor.channel,
        public=public,
        status_code=request.status_code,
        note=note,
        data=data or {},
        external_id=external_id,
    )
    _announce(event)
    return event


def _routed_data(department: Department) -> dict:
    return {"department": department.code, "department_name": department.name}


def _record_routing(request: ServiceRequest, actor: Actor, at: datetime, decision: "engine.Decision") -> None:
    """The routing decision in the history: public "sent to X" (a resident's parcel-tracker step),
    with the rule and its reasons for staff; triage and the assignee are internal."""
    rule = {"rule": decision.rule_name, "rule_id": decision.rule_id, "reasons": list(decision.reasons)}
    if request.department is None:
        _record(request, EventKind.ROUTED, actor, at=at, public=False, data={**rule, "triage": True})
        return
    data = {**_routed_data(request.department), **rule}
    if request.team is not None:
        data["team"] = request.team.name
    _record(request, EventKind.ROUTED, actor, at=at, data=data)
    if request.assignee is not None:
        _record(
            request,
            EventKind.ASSIGNED,
            actor,
            at=at,
            public=False,
            data={"assignee": request.assignee.get_username(), "assignee_id": request.assignee.pk},
        )


def _locate(service: Service, location: Location, errors: list[FieldError]) -> list[int]:
    """Fill in the address or the point from the geocoder; returns the ids of the districts hit."""
    jurisdiction = service.jurisdiction
    geocoder = get_geocoder()
    if location.address_id and not location.has_point:
        place = geocoder.by_address_id(jurisdiction, location.address_id)
        if place is None:
            errors.append(FieldError("address_id", f"'{location.address_id}' is not in the address index"))
            return []
        location.lat, location.long = place.lat, place.long
        location.address = location.address or place.address
        location.zipcode = place.zipcode
    if location.address and not location.has_point:
        place = geocoder.geocode(jurisdiction, location.address)
        if place is not None:
            location.lat, location.long, location.zipcode = place.lat, place.long, place.zipcode
    if location.lat is None or location.long is None:
        return []
    if not location.address:
        place = geocoder.reverse(jurisdiction, location.lat, location.long)
        if place is not None:
            location.address, location.address_id = place.address, location.address_id or place.address_id
            location.zipcode = place.zipcode
    ids = district_ids_at(jurisdiction.pk, location.lat, location.long)
    if not ids and District.objects.filter(jurisdiction=jurisdiction).exists():
        errors.append(
            FieldError(
                "lat/long",
                f"({location.lat}, {location.long}) is outside the area {jurisdiction.name} serves",
            )
        )
    return ids


def validate_new_request(new: NewRequest) -> tuple[Answers, list[int], list[str]]:
    """Everything that can be checked before writing; raises RequestRejected with every problem."""
    errors: list[FieldError] = []
    service = new.service
    if not service.active:
        errors.append(FieldError("service_code", f"{service.service_code} no longer accepts new requests"))
    new.description = check_description(new.description, errors)
    check_location(new.location, errors)
    check_contact(new.contact, service, errors)
    answers = check_answers(service, new.answers, errors)
    media_urls = check_media_urls(new.media_urls, errors)
    for upload in new.photos:
        try:
            photos.check_upload(upload)
        except photos.PhotoRejected as exc:
            errors.append(FieldError("media", str(exc)))
    district_ids = [] if errors else _locate(service, new.location, errors)
    if errors:
        raise RequestRejected(errors)
    return answers, district_ids, media_urls


def submit_request(new: NewRequest, actor: Actor, *, at: datetime | None = None) -> ServiceRequest:
    """File a new request from any channel. Raises RequestRejected, storing nothing, when input is bad."""
    answers, district_ids, media_urls = validate_new_request(new)
    processed = [photos.process(upload) for upload in new.photos]
    service, location, contact = new.service, new.location, new.contact
    at = at or timezone.now()
    with transaction.atomic():
        request = ServiceRequest(
            jurisdiction=service.jurisdiction,
            service_request_id=next_number(service.jurisdiction, at),
            service=service,
            public=not service.private,
            description=new.description,
            service_notice=service.service_notice,
            channel=actor.channel,
            requested_datetime=at,
            address=location.address,
            address_id=location.address_id,
            zipcode=location.zipcode,
            lat=location.lat,
            long=location.long,
            attributes=answers.values,
            reporter_email=contact.email,
            reporter_phone=contact.phone,
            reporter_first_name=contact.first_name,
            reporter_last_name=contact.last_name,
            reporter_language=contact.language,
            device_id=contact.device_id,
            account_id=contact.account_id,
            api_client=actor.api_client,
        )
        request.set_status(Status.NEW, at)
        decision = router.route_new(request, district_ids)
        if request.team is not None:
            request.assignee = router.pick_assignee(request.team)
        request.save()
        if district_ids:
            request.districts.set(district_ids)
        data = {"client_attributes": answers.client_extras} if answers.client_extras else {}
        _record(request, EventKind.CREATED, actor, at=at, data=data)
        _record_routing(request, actor, at, decision)
        if contact.email or contact.phone:
            Follower.objects.create(
                request=request,
                email=contact.email,
                phone=contact.phone,
                name=f"{contact.first_name} {contact.last_name}".strip(),
                language=contact.language,
                reason=FollowerReason.REPORTER,
                created_at=at,
                active=new.follow,
            )
        for url in media_urls:
            _add_media(request, actor, at, url=url)
        for photo in processed:
            _add_media(request, actor, at, photo=photo)
    return request


def _add_media(
    request: ServiceRequest,
    actor: Actor,
    at: datetime,
    *,
    url: str = "",
    photo: "photos.ProcessedPhoto | None" = None,
) -> Media:
    event = _record(request, EventKind.MEDIA_ADDED, actor, at=at)
    media = Media(request=request, event=event, url=url, created_at=at)
    if photo is not None:
        media.content_type, media.width, media.height = photo.content_type, photo.width, photo.height
        media.file.save(photo.name, photo.content, save=False)
        media.thumbnail.save(photo.thumbnail_name, photo.thumbnail, save=False)
    media.save()
    if not request.media_url:
        request.media_url = url or media.file.url
        request.save(update_fields=["media_url"])
    return media


def attach_media(
    request: ServiceRequest, actor: Actor, *, url: str = "", upload: UploadedFile | None = None
) -> Media:
    """Add a photo (an upload, checked and stripped of metadata) or a media URL to a request."""
    errors: list[FieldError] = []
    urls = check_media_urls([url], errors) if url else []
    if upload is None and not urls and not errors:
        errors.append(FieldError("media", "give a photo or a media_url"))
    processed = None
    if upload is not None:
        try:
            processed = photos.process(upload)
        except photos.PhotoRejected as exc:
            errors.append(FieldError("media", str(exc)))
    if errors:
        raise RequestRejected(errors)
    with transaction.atomic():
        locked = ServiceRequest.objects.select_for_update().get(pk=request.pk)
        media = _add_media(locked, actor, timezone.now(), url=urls[0] if urls else "", photo=processed)
    request.refresh_from_db()
    return media


def _check_note(text: str, name: str = "description") -> str:
    errors: list[FieldError] = []
    text = clean_text(text)
    if len(text) > NOTE_MAX_LENGTH:
        errors.append(
            FieldError(name, f"is {len(text)} characters long; at most {NOTE_MAX_LENGTH} are allowed")
        )
    if errors:
        raise RequestRejected(errors)
    return text


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
    note = _check_note(note)
    at = at or timezone.now()
    with transaction.atomic():
        locked = ServiceRequest.objects.select_for_update().get(pk=request.pk)
        previous = locked.status_code
        locked.set_status(status_code, at)
        if note and public:
            locked.status_notes = note
        locked.save()
        event = _record(
            locked,
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
    text = _check_note(text)
    if not text:
        raise RequestRejected([FieldError("description", "a note needs some text")])
    at = at or timezone.now()
    with transaction.atomic():
        locked = ServiceRequest.objects.select_for_update().get(pk=request.pk)
        if public:  # an internal note changes nothing the public sees, so clients need not re-fetch
            locked.updated_datetime = at
            locked.status_notes = text
            locked.save(update_fields=["updated_datetime", "status_notes"])
        event = _record(
            locked,
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
    note = _check_note(note) or f"Duplicate of {root.service_request_id}"
    at = timezone.now()
    with transaction.atomic():
        locked = ServiceRequest.objects.select_for_update().get(pk=child.pk)
        previous = locked.status_code
        locked.parent = root
        locked.set_status(Status.DUPLICATE, at)
        locked.status_notes = note
        locked.save()
        event = _record(
            locked,
            EventKind.MARKED_DUPLICATE,
            actor,
            at=at,
            note=note,
            data={"from": previous, "to": Status.DUPLICATE, "parent": root.service_request_id},
        )
        locked_root = ServiceRequest.objects.select_for_update().get(pk=root.pk)
        locked_root.updated_datetime = at
        locked_root.save(update_fields=["updated_datetime"])
        # Public when the duplicate is: a private request's number is never shown on a public one.
        _record(
            locked_root,
            EventKind.DUPLICATE_ADDED,
            actor,
            at=at,
            public=locked.public,
            data={"duplicate": locked.service_request_id},
        )
        # Whoever followed the duplicate now follows the original: they hear when it is fixed.
        for follower in locked.followers.filter(active=True):
            _follow(
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


def _follow(
    request: ServiceRequest, email: str, phone: str, name: str, language: str, reason: str, at: datetime
) -> tuple[Follower, bool]:
    """Add a follower unless the same email or phone already follows (then keep, reactivated)."""
    existing = request.followers.filter(
        (Q(email=email) if email else Q(pk__in=[])) | (Q(phone=phone) if phone else Q(pk__in=[]))
    ).first()
    if existing is not None:
        if not existing.active:
            existing.active = True
            existing.save(update_fields=["active"])
        return existing, False
    follower = Follower.objects.create(
        request=request,
        email=email,
        phone=phone,
        name=name[:200],
        language=language,
        reason=reason,
        created_at=at,
    )
    return follower, True


def add_follower(
    request: ServiceRequest,
    actor: Actor,
    *,
    email: str = "",
    phone: str = "",
    name: str = "",
    language: str = "",
    reason: str = FollowerReason.CALLER,
) -> Follower:
    """Someone (a caller, a neighbour saying "me too") follows a request's updates."""
    errors: list[FieldError] = []
    contact = Contact(email=email, phone=phone, first_name=name)
    check_contact(contact, request.service, errors)
    if not (contact.email or contact.phone):
        errors.append(FieldError("email", "give an email or a phone number to send the updates to"))
    if errors:
        raise RequestRejected(errors)
    at = timezone.now()
    with transaction.atomic():
        follower, created = _follow(
            request, contact.email, contact.phone, contact.first_name, language, reason, at
        )
        if created:
            # Internal: who follows is private; the count of "me too" is what the public sees.
            _record(
                request,
                EventKind.FOLLOWER_ADDED,
                actor,
                at=at,
                public=False,
                data={"reason": reason, "follower_id": follower.pk},
            )
    return follower


def stop_following(follower: Follower, actor: Actor, *, why: str) -> bool:
    """The follower gets no more updates of the request (they unsubscribed; their address bounced). An
    internal event says so. False, and nothing written, when they were stopped already."""
    at = timezone.now()
    with transaction.atomic():
        if not Follower.objects.filter(pk=follower.pk, active=True).update(active=False):
            return False
        follower.active = False
        _record(
            follower.request,
            EventKind.FOLLOWER_STOPPED,
            actor,
            at=at,
            public=False,
            data={"follower_id": follower.pk, "why": why},
        )
    return True


def stop_following_address(email: str, actor: Actor, *, why: str) -> int:
    """Every follow of an email address stops (a bounce: nothing more can reach it); how many did."""
    followers = Follower.objects.filter(email__iexact=email, active=True).select_related("request")
    return sum(stop_following(follower, actor, why=why) for follower in followers)


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
    note = _check_note(note)
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
        locked = ServiceRequest.objects.select_for_update().get(pk=request.pk)
        before = {"department": locked.department_id, "team": locked.team_id, "assignee": locked.assignee_id}
        locked.department, locked.team, locked.assignee = department, team, assignee
        locked.routing_rule = None
        department_changed = before["department"] != locked.department_id
        if department_changed:
            locked.updated_datetime = at
        locked.save()
        data: dict[str, Any] = {"by_hand": True, "before": before}
        if department is not None:
            data.update(_routed_data(department))
        if team is not None:
            data["team"] = team.name
        if assignee is not None:
            data.update(assignee=assignee.get_username(), assignee_id=assignee.pk)
        kind = (
            EventKind.ROUTED if department_changed or before["team"] != locked.team_id else EventKind.ASSIGNED
        )
        public = department_changed and department is not None
        # The public step says only where the request went; why is staff's ("Why (internal)"), on an
        # internal note beside it.
        event = _record(locked, kind, actor, at=at, public=public, note="" if public else note, data=data)
        if public and note:
            _record(locked, EventKind.NOTE, actor, at=at, public=False, note=note, data={"reroute": event.pk})
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
        locked = ServiceRequest.objects.select_for_update().get(pk=request.pk)
        before = locked.priority
        locked.priority = priority
        locked.save(update_fields=["priority"])
        event = _record(
            locked,
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
        locked = ServiceRequest.objects.select_for_update().get(pk=request.pk)
        if not locked.is_open or locked.overdue_since is not None:
            return None
        locked.overdue_since = at
        locked.save(update_fields=["overdue_since"])
        data = {"expected": locked.expected_datetime.isoformat() if locked.expected_datetime else None}
        if supervisor is not None:
            data.update(supervisor=supervisor.get_username(), supervisor_id=supervisor.pk)
        return _record(
            locked, EventKind.ESCALATED, Actor(channel=Channel.STAFF), at=at, public=False, data=data
        )


@dataclass
class ImportedRequest:
    """A request from another system's records (open data), kept with its own number and times."""

    service: Service
    service_request_id: str
    requested_datetime: datetime
    status_code: str = Status.NEW
    closed_datetime: datetime | None = None
    updated_datetime: datetime | None = None
    expected_datetime: datetime | None = None
    location: Location = field(default_factory=Location)
    description: str = ""
    status_notes: str = ""
    channel: str = Channel.IMPORT
    department: Department | None = None
    district_ids: list[int] = field(default_factory=list)
    media_url: str = ""
    parent_service_request_id: str = ""
    source: str = ""
    source_data: dict = field(default_factory=dict)


def _imported(item: ImportedRequest) -> tuple[ServiceRequest, list[Event]]:
    """The request and its history, unsaved: created and routed when filed, then its status."""
    service, location = item.service, item.location
    request = ServiceRequest(
        jurisdiction=service.jurisdiction,
        service_request_id=item.service_request_id,
        service=service,
        public=not service.private,
        description=item.description,
        status_notes=item.status_notes,
        department=item.department or service.department,
        channel=item.channel,
        requested_datetime=item.requested_datetime,
        expected_datetime=item.expected_datetime,
        address=location.address,
        address_id=location.address_id,
        zipcode=location.zipcode[:12],
        lat=location.lat,
        long=location.long,
        media_url=item.media_url,
        imported_from=item.source,
    )
    request.set_status(Status.NEW, item.requested_datetime)
    record = {"source": item.source, "record": item.source_data} if item.source_data else {}
    history: list[tuple[str, datetime, str, str, dict]] = [
        (EventKind.CREATED, item.requested_datetime, Status.NEW, "", record)
    ]
    if request.department:
        history.append(
            (EventKind.ROUTED, item.requested_datetime, Status.NEW, "", _routed_data(request.department))
        )
    if item.status_code != Status.NEW:
        when = item.closed_datetime if item.status_code in CLOSED_STATUSES else item.updated_datetime
        when = when or item.updated_datetime or item.requested_datetime
        request.set_status(item.status_code, when)
        history.append(
            (
                EventKind.STATUS_CHANGED,
                when,
                item.status_code,
                item.status_notes,
                {"from": Status.NEW, "to": item.status_code},
            )
        )
    if item.updated_datetime and item.updated_datetime > request.updated_datetime:
        request.updated_datetime = item.updated_datetime
    events = [
        Event(
            kind=kind,
            created_at=at,
            channel=Channel.IMPORT,
            public=True,
            status_code=status,
            note=note,
            data=data,
        )
        for kind, at, status, note, data in history
    ]
    return request, events


def import_requests(items: list[ImportedRequest]) -> tuple[list[ServiceRequest], int]:
    """Record a batch of requests from another system's records, each with its history, in one
    transaction and a handful of queries. Returns (the requests created, how many were already there).

    Imports are history: nothing is announced, so nobody is notified about 2021's potholes.
    The caller checks the data; this keeps the invariants (events, derived status) of every request.
    """
    if not items:
        return [], 0
    jurisdiction = items[0].service.jurisdiction
    numbers = [item.service_request_id for item in items]
    seen = set(
        ServiceRequest.objects.filter(jurisdiction=jurisdiction, service_request_id__in=numbers).values_list(
            "service_request_id", flat=True
        )
    )
    fresh: list[tuple[ImportedRequest, ServiceRequest, list[Event]]] = []
    for item in items:
        if item.service.jurisdiction_id != jurisdiction.pk:
            raise ValueError("one batch, one jurisdiction")
        if item.service_request_id in seen:
            continue
        seen.add(item.service_request_id)
        fresh.append((item, *_imported(item)))
    with transaction.atomic():
        created = ServiceRequest.objects.bulk_create([request for _, request, _ in fresh])
        links = ServiceRequest.districts.through
        links.objects.bulk_create(
            [
                links(servicerequest_id=request.pk, district_id=district_id)
                for (item, request, _) in fresh
                for district_id in item.district_ids
            ]
        )
        for _, request, events in fresh:
            for event in events:
                event.request = request
        Event.objects.bulk_create([event for _, _, events in fresh for event in events])
    return created, len(items) - len(fresh)


def link_imported_duplicate(child: ServiceRequest, parent_service_request_id: str) -> bool:
    """Point an imported duplicate at its parent once both are in; False when the parent is unknown."""
    parent = ServiceRequest.objects.filter(
        jurisdiction=child.jurisdiction, service_request_id=parent_service_request_id
    ).first()
    if parent is None or parent.pk == child.pk:
        return False
    at = child.closed_datetime or child.updated_datetime
    with transaction.atomic():
        ServiceRequest.objects.filter(pk=child.pk).update(parent=parent)
        # The original's history shows it (public when the duplicate is, as mark_duplicate does). Not
        # announced: imports are history, nobody is notified.
        Event.objects.create(
            request=parent,
            kind=EventKind.DUPLICATE_ADDED,
            created_at=at,
            channel=Channel.IMPORT,
            public=child.public,
            status_code=parent.status_code,
            data={"duplicate": child.service_request_id},
        )
    child.parent = parent
    return True


# A resident's comment: a few paragraphs at most.
COMMENT_MAX_LENGTH = 2000


def add_comment(
    request: ServiceRequest,
    text: str,
    *,
    name: str = "",
    email: str = "",
    ip_hash: str = "",
    held_because: str = "",
    at: datetime | None = None,
) -> Comment:
    """A resident's public comment on a request: visible at once, or held for moderation when the
    channel's spam checks gave a reason (`held_because`). Plain text; pages escape it. Raises
    RequestRejected, storing nothing, for an empty or oversized comment or a request nobody may see."""
    errors: list[FieldError] = []
    text, name, email = clean_text(text), clean_text(name), clean_text(email)
    if not request.public:
        errors.append(FieldError("request", "comments are not taken on this request"))
    if not text:
        errors.append(FieldError("text", "a comment needs some text"))
    elif len(text) > COMMENT_MAX_LENGTH:
        errors.append(
            FieldError("text", f"is {len(text)} characters long; at most {COMMENT_MAX_LENGTH} are allowed")
        )
    if len(name) > 100:
        errors.append(FieldError("name", "is longer than 100 characters"))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(FieldError("email", f"'{email[:80]}' is not an email address"))
    if errors:
        raise RequestRejected(errors)
    return Comment.objects.create(
        request=request,
        text=text,
        name=name,
        email=email,
        ip_hash=ip_hash[:64],
        status=CommentStatus.HELD if held_because else CommentStatus.VISIBLE,
        held_because=held_because[:200],
        created_at=at or timezone.now(),
    )


def moderate_comment(comment: Comment, user, *, approve: bool) -> Comment:
    """A moderator shows a held comment (approve) or hides any comment (reject)."""
    comment.status = CommentStatus.VISIBLE if approve else CommentStatus.REJECTED
    comment.moderated_at = timezone.now()
    comment.moderated_by = user if user is not None and user.is_authenticated else None
    comment.save(update_fields=["status", "moderated_at", "moderated_by"])
    return comment
