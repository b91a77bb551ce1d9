"""Live updates of requests: every recorded event is published after its transaction commits
(servicerequests.signals.event_recorded, connected in apps.py).

Two topics per event:

- `request:<service_request_id>`, for anyone (the tracking page): public events of public requests
  only, in the shape of a GeoReport note (servicerequests.public.build_note), so the live view and the API
  agree on what is public; plus service_request_id, status, status_code, the event id (for SSE ids and
  Last-Event-ID) and jurisdiction_id (numbers are unique per jurisdiction only; the stream filters on it).
- `staff:department:<department code or 'none'>`, for the staff console: every event, public or not,
  but only identifiers and status, never note text or contact details; the console reads the details
  through its own authorized views.

A failure here is logged and never reaches the request that recorded the event.
"""

import logging

from civic311.catalog import jurisdictions
from civic311.catalog.models import Department, Jurisdiction
from civic311.lib.datetimes import format_w3c
from civic311.live import broker
from civic311.servicerequests.choices import georeport_status
from civic311.servicerequests.models import Event, ServiceRequest
from civic311.servicerequests.public import build_note

logger = logging.getLogger(__name__)

NO_DEPARTMENT = "none"


def request_topic(service_request_id: str) -> str:
    return f"request:{service_request_id}"


def staff_topic(department_code: str | None) -> str:
    return f"staff:department:{department_code or NO_DEPARTMENT}"


def is_public(event: Event, request: ServiceRequest) -> bool:
    """Both the event and its request may be seen by anyone (not an internal note, not a private service)."""
    return bool(event.public and request.public)


def public_message(event: Event, request: ServiceRequest, jurisdiction: Jurisdiction) -> dict:
    """What the request topic carries for a public event (callers check is_public first)."""
    note = build_note(event, jurisdiction.tz).model_dump(mode="json")
    return {
        **note,
        "id": str(event.pk),
        "service_request_id": request.service_request_id,
        "status": georeport_status(event.status_code),
        "status_code": event.status_code,
        "jurisdiction_id": jurisdiction.jurisdiction_id,
    }


def staff_message(event: Event, request: ServiceRequest, jurisdiction: Jurisdiction) -> dict:
    return {
        "id": str(event.pk),
        "kind": event.kind,
        "service_request_id": request.service_request_id,
        "status_code": event.status_code,
        "public": event.public,
        "created_at": format_w3c(event.created_at, jurisdiction.tz),
        "jurisdiction_id": jurisdiction.jurisdiction_id,
    }


def _department_code(request: ServiceRequest) -> str | None:
    if request.department_id is None:
        return None
    if ServiceRequest.department.is_cached(request):
        return request.department.code if request.department else None
    return Department.objects.filter(pk=request.department_id).values_list("code", flat=True).first()


def publish_event(event: Event) -> None:
    """Publish one recorded event on its topics (see the module docstring)."""
    request = event.request
    jurisdiction = jurisdictions.cached(request.jurisdiction_id) or request.jurisdiction
    publisher = broker.get_broker()
    if is_public(event, request):
        publisher.publish(
            request_topic(request.service_request_id), public_message(event, request, jurisdiction)
        )
    publisher.publish(staff_topic(_department_code(request)), staff_message(event, request, jurisdiction))


def on_event_recorded(sender: object, event: Event, **kwargs: object) -> None:
    """event_recorded receiver. Signal.send does not catch, and this runs in the request that recorded
    the event, after its commit: a live update lost is better than an error for a change that is stored."""
    try:
        publish_event(event)
    except Exception:
        logger.exception("live: publishing event %s failed", event.pk)
