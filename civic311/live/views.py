"""The public live stream of one request's updates (Server-Sent Events), for the tracking page:

    GET /live/requests/<service_request_id>/events[?jurisdiction_id=…]

Public requests only: an unknown number and a request of a private service both answer 404, the same
way, so the stream does not tell which numbers exist. Each event is a GeoReport note of the request
(see publishers.public_message) with `id:` the event id; a client reconnecting with Last-Event-ID gets
the public events it missed from the database (at most MAX_REPLAY), and so does one that saw no event
yet: the stream starts by setting its last event id to the request's newest public event.
"""

from asgiref.sync import sync_to_async
from django.http import Http404, HttpRequest, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET

from civic311.catalog import jurisdictions
from civic311.catalog.models import Jurisdiction
from civic311.live.publishers import public_message, request_topic
from civic311.live.sse import sse_response
from civic311.servicerequests.models import Event, ServiceRequest
from civic311.servicerequests.numbers import normalize_number

# Events replayed to a reconnecting client at most; one further behind reloads the page.
MAX_REPLAY = 100


def _public_request(request: HttpRequest, number: str) -> tuple[Jurisdiction, ServiceRequest, str]:
    """The jurisdiction, the public request, and the id of its newest public event (where the stream
    starts from: see sse.py on start_id)."""
    jurisdiction = jurisdictions.resolve(request.GET.get("jurisdiction_id", ""))
    found = (
        ServiceRequest.objects.public()
        .filter(
            jurisdiction=jurisdiction,
            service_request_id=normalize_number(number, jurisdiction.request_id_prefix),
        )
        .only("pk", "service_request_id", "public", "jurisdiction_id")
        .first()
    )
    if found is None:
        raise Http404("no public request with this number")
    newest = Event.objects.public().filter(request_id=found.pk).order_by("-pk").values_list("pk", flat=True)
    return jurisdiction, found, str(newest.first() or 0)


def _public_events_after(sr: ServiceRequest, jurisdiction: Jurisdiction, last_event_id: str) -> list[dict]:
    try:
        after = int(last_event_id)
    except ValueError:
        return []
    # Read again: the request's service may have turned private since the stream opened.
    if not ServiceRequest.objects.public().filter(pk=sr.pk).exists():
        return []
    events = Event.objects.public().filter(request_id=sr.pk, pk__gt=after).order_by("pk")[:MAX_REPLAY]
    return [public_message(event, sr, jurisdiction) for event in events]


@require_GET
async def request_events(request: HttpRequest, service_request_id: str) -> HttpResponseBase:
    try:
        jurisdiction, sr, newest = await sync_to_async(_public_request)(request, service_request_id)
    except jurisdictions.JurisdictionNotFound as exc:
        raise Http404(str(exc)) from None
    except jurisdictions.JurisdictionRequired as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")

    def transform(message: dict) -> dict | None:
        # Numbers are unique per jurisdiction only, and the topic is by number.
        if message.get("jurisdiction_id") != jurisdiction.jurisdiction_id:
            return None
        return {key: value for key, value in message.items() if key != "jurisdiction_id"}

    async def replay(last_event_id: str) -> list[dict]:
        return await sync_to_async(_public_events_after)(sr, jurisdiction, last_event_id)

    topics = [request_topic(sr.service_request_id)]
    return sse_response(request, topics, transform=transform, replay=replay, start_id=newest)
