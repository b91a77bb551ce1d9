"""Requests from another system's records (open data): history, written in bulk and never announced."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction

from civic311.catalog.models import Department, Service
from civic311.servicerequests.actions.core import routed_data
from civic311.servicerequests.choices import (
    CLOSED_STATUSES,
    Channel,
    EventKind,
    Status,
)
from civic311.servicerequests.intake import (
    Location,
)
from civic311.servicerequests.models import (
    Event,
    ServiceRequest,
)

if TYPE_CHECKING:
    pass


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
            (EventKind.ROUTED, item.requested_datetime, Status.NEW, "", routed_data(request.department))
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
