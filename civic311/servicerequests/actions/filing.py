"""Filing a request: validate, locate (geocode, districts), route, write it with its first events and
photos; and photos added later."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone

from civic311.catalog.models import Service
from civic311.geo.districts import district_ids_at, has_districts
from civic311.geo.geocoder import get_geocoder
from civic311.routing import engine, router
from civic311.servicerequests import photos
from civic311.servicerequests.actions.core import (
    Actor,
    announced_together,
    locked,
    new_event,
    record,
    record_all,
    routed_data,
)
from civic311.servicerequests.choices import (
    EventKind,
    FollowerReason,
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
)
from civic311.servicerequests.models import Event, Follower, Media, ServiceRequest
from civic311.servicerequests.numbers import next_number

if TYPE_CHECKING:
    pass


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


def _routing_events(
    request: ServiceRequest, actor: Actor, at: datetime, decision: "engine.Decision"
) -> list[Event]:
    """The routing decision in the history: public "sent to X" (a resident's parcel-tracker step),
    with the rule and its reasons for staff; triage and the assignee are internal."""
    rule = {"rule": decision.rule_name, "rule_id": decision.rule_id, "reasons": list(decision.reasons)}
    if request.department is None:
        return [
            new_event(request, EventKind.ROUTED, actor, at=at, public=False, data={**rule, "triage": True})
        ]
    data = {**routed_data(request.department), **rule}
    if request.team is not None:
        data["team"] = request.team.name
    events = [new_event(request, EventKind.ROUTED, actor, at=at, data=data)]
    if request.assignee is not None:
        assignee = {"assignee": request.assignee.get_username(), "assignee_id": request.assignee.pk}
        events.append(new_event(request, EventKind.ASSIGNED, actor, at=at, public=False, data=assignee))
    return events


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
    if not ids and has_districts(jurisdiction.pk):
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
    request = ServiceRequest(
        jurisdiction=service.jurisdiction,
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
    # Decided before the transaction opens, from the per-process reference data: the transaction (on
    # SQLite, the database's one write lock) holds only the writes.
    decision = router.route_new(request, district_ids)
    # The number's counter is one row every filing of the jurisdiction waits for. Where rows lock on
    # their own (PostgreSQL), it is drawn by one statement before the transaction, so its lock lasts that
    # statement, not the whole filing; a filing that fails after it leaves its number unused. On SQLite a
    # transaction holds the database's one write lock anyway: drawn inside, a failure leaves no gap.
    number_first = connection.features.has_select_for_update
    if number_first:
        request.service_request_id = next_number(service.jurisdiction, at)
    with announced_together(), transaction.atomic():
        if not number_first:
            request.service_request_id = next_number(service.jurisdiction, at)
        if request.team_id is not None:
            request.team, request.assignee = router.pick_assignee(request.team_id)
        request.save()
        if district_ids:
            links = ServiceRequest.districts.through
            links.objects.bulk_create(links(servicerequest=request, district_id=d) for d in district_ids)
        data = {"client_attributes": answers.client_extras} if answers.client_extras else {}
        created = new_event(request, EventKind.CREATED, actor, at=at, data=data)
        record_all([created, *_routing_events(request, actor, at, decision)])
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
            add_media(request, actor, at, url=url)
        for photo in processed:
            add_media(request, actor, at, photo=photo)
    return request


def add_media(
    request: ServiceRequest,
    actor: Actor,
    at: datetime,
    *,
    url: str = "",
    photo: "photos.ProcessedPhoto | None" = None,
) -> Media:
    event = record(request, EventKind.MEDIA_ADDED, actor, at=at)
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
        held = locked(request)
        media = add_media(held, actor, timezone.now(), url=urls[0] if urls else "", photo=processed)
    request.refresh_from_db()
    return media
