"""Area alerts: subscribe by email to new requests and/or closures in a ward or within a radius of a point,
optionally for some services; sent at once (one email per request) or as a daily digest.

- subscribe() stores an unconfirmed alert and mails a confirmation link (double opt-in); confirm() turns it
  on. Nothing else is ever sent to an unconfirmed address.
- At once: email.recipients asks matching_alerts() at each public "created" or closing event.
- Digest: send_digests() (registered with notify.schedule every 24 hours, DIGEST_EVERY_SECONDS) mails each
  live daily alert the matches since its last digest; no match, no email.

Only public requests (not of a private service) ever match.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from civic311.catalog.models import Jurisdiction, Service
from civic311.geo.models import District
from civic311.lib.geomath import haversine_m
from civic311.notify import deliveries
from civic311.notify.audience import language_of
from civic311.notify.models import AlertFrequency, AreaAlert
from civic311.notify.registry import Recipient
from civic311.servicerequests.choices import CLOSED_STATUSES, EventKind
from civic311.servicerequests.models import Event, ServiceRequest

DIGEST_JOB = "alert-digest"
# The digest job runs every 24 hours, counted from the worker's first tick (PeriodicJob keeps the time).
DIGEST_EVERY_SECONDS = 24 * 3600
DIGEST_MAX_ITEMS = 200  # a digest lists at most this many requests (and says how many more)
CHANNEL = "email"

NEW = "new"
CLOSED = "closed"


def what_happened(event: Event) -> str | None:
    """NEW for a public request's creation, CLOSED for a public change that closes it, else None."""
    request = event.request
    if not event.public or not request.public or request.service.private:
        return None
    if event.kind == EventKind.CREATED:
        return NEW
    if event.kind in (EventKind.STATUS_CHANGED, EventKind.MARKED_DUPLICATE):
        before, after = (event.data or {}).get("from"), (event.data or {}).get("to", event.status_code)
        if after in CLOSED_STATUSES and before not in CLOSED_STATUSES:
            return CLOSED
    return None


def covers(alert: AreaAlert, request: ServiceRequest, district_ids: set[int] | None = None) -> bool:
    """Whether the request is in the alert's area and of one of its services."""
    if not request.public or request.service.private:
        return False
    service_ids = {s.pk for s in alert.services.all()}
    if service_ids and request.service_id not in service_ids:
        return False
    if alert.district_id is not None:
        if district_ids is None:
            district_ids = set(request.districts.values_list("pk", flat=True))
        return alert.district_id in district_ids
    if alert.lat is None or alert.long is None or alert.radius_m is None:
        return False
    if request.lat is None or request.long is None:
        return False
    return haversine_m(alert.lat, alert.long, request.lat, request.long) <= alert.radius_m


def matching_alerts(request: ServiceRequest, what: str, *, immediate: bool) -> list[AreaAlert]:
    """The live alerts (confirmed, active) of this frequency that want to hear of this request."""
    alerts = AreaAlert.objects.filter(
        jurisdiction_id=request.jurisdiction_id,
        active=True,
        confirmed=True,
        frequency=AlertFrequency.IMMEDIATE if immediate else AlertFrequency.DAILY,
    )
    alerts = alerts.filter(new_requests=True) if what == NEW else alerts.filter(closures=True)
    district_ids = set(request.districts.values_list("pk", flat=True))
    return [a for a in alerts.prefetch_related("services") if covers(a, request, district_ids)]


def requests_in_area(alert: AreaAlert):
    """Public requests of the alert's jurisdiction, area (a district, or a circle) and services."""
    requests = ServiceRequest.objects.public().filter(
        jurisdiction_id=alert.jurisdiction_id, service__private=False
    )
    service_ids = list(alert.services.values_list("pk", flat=True))
    if service_ids:
        requests = requests.filter(service_id__in=service_ids)
    if alert.district_id is not None:
        return requests.filter(districts=alert.district_id)
    assert alert.lat is not None and alert.long is not None and alert.radius_m is not None
    return requests.near(alert.lat, alert.long, alert.radius_m)


@dataclass
class Digest:
    new: list[ServiceRequest]
    closed: list[ServiceRequest]

    def __bool__(self) -> bool:
        return bool(self.new or self.closed)


def digest_for(alert: AreaAlert, since: datetime, until: datetime) -> Digest:
    """What a daily alert hears of between `since` (excluded) and `until` (included)."""

    def within(requests) -> list[ServiceRequest]:
        found = requests.select_related("service").order_by("requested_datetime", "pk")[
            : DIGEST_MAX_ITEMS * 4
        ]
        return [r for r in found if covers(alert, r)][:DIGEST_MAX_ITEMS]

    area = requests_in_area(alert)
    new = (
        within(area.filter(requested_datetime__gt=since, requested_datetime__lte=until))
        if alert.new_requests
        else []
    )
    closed = (
        within(
            area.filter(
                closed_datetime__gt=since, closed_datetime__lte=until, status_code__in=CLOSED_STATUSES
            )
        )
        if alert.closures
        else []
    )
    return Digest(new, closed)


def send_digests(now: datetime | None = None) -> int:
    """Enqueue one digest email per live daily alert with something to tell; returns how many."""
    now = now or timezone.now()
    sent = 0
    live = AreaAlert.objects.filter(active=True, confirmed=True, frequency=AlertFrequency.DAILY)
    for alert in live.prefetch_related("services"):
        since = alert.last_digest_at or alert.confirmed_at or (now - timedelta(seconds=DIGEST_EVERY_SECONDS))
        since = max(since, now - timedelta(seconds=2 * DIGEST_EVERY_SECONDS))  # after a pause, not a flood
        digest = digest_for(alert, since, now)
        with transaction.atomic():
            if digest:
                recipient = Recipient(
                    channel=CHANNEL,
                    address=alert.email,
                    kind="digest",
                    language=language_of(alert.language),
                    payload={
                        "alert": alert.pk,
                        "new": [r.pk for r in digest.new],
                        "closed": [r.pk for r in digest.closed],
                        "since": since.isoformat(),
                        "until": now.isoformat(),
                    },
                )
                # One digest per alert and period: a job run twice for the same period sends once.
                deliveries.enqueue(recipient, key=f"digest:{alert.pk}:{now.isoformat()}")
                sent += 1
            AreaAlert.objects.filter(pk=alert.pk).update(last_digest_at=now)
    return sent


# ----------------------------------------------------------------------------------------- subscribing


@dataclass
class AlertRequest:
    """What the subscription form hands in, already checked."""

    jurisdiction: Jurisdiction
    email: str
    language: str
    district: District | None
    lat: float | None
    long: float | None
    radius_m: int | None
    services: list[Service]
    new_requests: bool
    closures: bool
    frequency: str


def subscribe(wanted: AlertRequest) -> AreaAlert:
    """Store an unconfirmed alert and mail its confirmation link (after commit)."""
    with transaction.atomic():
        alert = AreaAlert.objects.create(
            jurisdiction=wanted.jurisdiction,
            email=wanted.email,
            language=wanted.language,
            district=wanted.district,
            lat=wanted.lat if wanted.district is None else None,
            long=wanted.long if wanted.district is None else None,
            radius_m=wanted.radius_m if wanted.district is None else None,
            new_requests=wanted.new_requests,
            closures=wanted.closures,
            frequency=wanted.frequency,
        )
        alert.services.set(wanted.services)
        deliveries.enqueue(
            Recipient(
                channel=CHANNEL,
                address=alert.email,
                kind="alert_confirm",
                language=language_of(alert.language),
                payload={"alert": alert.pk},
            ),
            key=f"alert-confirm:{alert.pk}",
        )
    return alert


def confirm(alert: AreaAlert) -> bool:
    """Turn a subscription on (double opt-in); False when it already was (the link opened twice)."""
    if alert.confirmed:
        return False
    updated = AreaAlert.objects.filter(pk=alert.pk, confirmed=False).update(
        confirmed=True, confirmed_at=timezone.now()
    )
    alert.refresh_from_db()
    return bool(updated)


def stop(alert: AreaAlert) -> bool:
    """The alert sends nothing more (its owner unsubscribed); False when it was stopped already."""
    return bool(AreaAlert.objects.filter(pk=alert.pk, active=True).update(active=False))


def pause_address(email: str, reason: str) -> int:
    """Stop every alert of an address (a bounce); returns how many were live."""
    return AreaAlert.objects.filter(Q(email__iexact=email), active=True).update(
        active=False, paused_reason=reason[:300]
    )
