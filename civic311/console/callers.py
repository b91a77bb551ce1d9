"""What the call centre finds for a caller: the requests they reported or follow (by phone, email, name or
number), the open ones near a place they name, each with its status in the words an agent reads out."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q

from civic311.accounts.choices import Capability
from civic311.accounts.permissions import may, visible_requests
from civic311.catalog.models import Jurisdiction, Service
from civic311.console import intake as words
from civic311.geo.geocoder import get_geocoder
from civic311.servicerequests import plain
from civic311.servicerequests.choices import EventKind, FollowerReason, Status
from civic311.servicerequests.models import Event, Follower, ServiceRequest
from civic311.servicerequests.numbers import number_candidates

log = logging.getLogger(__name__)

NEARBY_METRES = 250


NEARBY_LIMIT = 10


NEARBY_CANDIDATES = 200


CALLER_LIMIT = 20


# How a found request is the caller's, as the list says it.
REPORTED, FOLLOWS = "reported it", "follows it"


@dataclass
class Found:
    """A request in a result list, with what the agent reads out about it."""

    request: ServiceRequest
    words: str
    how: str = ""  # how it is the caller's: "reported it", "follows it"
    metres: int | None = None
    can_follow: bool = False


def status_since(requests: list[ServiceRequest]) -> dict[int, datetime]:
    """When each request entered its current status: its latest status event of that status (one query)."""
    current = {r.pk: r.status_code for r in requests if r.status_code != Status.NEW}
    since: dict[int, datetime] = {}
    if not current:
        return since
    rows = (
        Event.objects.filter(
            request_id__in=current, kind__in=[EventKind.STATUS_CHANGED, EventKind.MARKED_DUPLICATE]
        )
        .order_by("created_at", "pk")
        .values_list("request_id", "created_at", "status_code")
    )
    for request_id, at, status_code in rows:
        if status_code == current[request_id]:
            since[request_id] = at  # later rows overwrite: the latest wins
    return since


def describe(user, jurisdiction: Jurisdiction, requests: list[ServiceRequest], now: datetime) -> list[Found]:
    since = status_since(requests)
    tz = jurisdiction.tz
    return [
        Found(
            request=sr,
            words=plain.status_in_words(sr, now, tz, since=since.get(sr.pk)),
            can_follow=sr.is_open and may(user, Capability.ADD_FOLLOWER, sr),
        )
        for sr in requests
    ]


@dataclass
class CallerMatch:
    requests: list[ServiceRequest] = field(default_factory=list)
    how: dict[int, str] = field(default_factory=dict)
    contact: dict[str, str] = field(default_factory=dict)  # to fill the file form's empty caller fields


def caller_requests(user, jurisdiction: Jurisdiction, terms: words.SearchTerms) -> CallerMatch:
    """The requests the caller reported or follows (by phone, email or name), or the one whose number
    was given: newest first, at most CALLER_LIMIT."""
    visible = visible_requests(user).filter(jurisdiction=jurisdiction)
    how: dict[int, str] = {}
    numbers = number_candidates(terms.text, [jurisdiction.request_id_prefix])
    for pk in visible.filter(service_request_id__in=numbers).values_list("pk", flat=True):
        how[pk] = "the number asked for"

    reporter: Q | None = None
    follower: Q | None = None
    if terms.phone:
        # Phones are stored as E.164 (servicerequests.intake), so the typed digits end the stored number.
        reporter = Q(reporter_phone__endswith=terms.phone)
        follower = Q(phone__endswith=terms.phone)
    elif terms.email:
        reporter = Q(reporter_email__iexact=terms.email)
        follower = Q(email__iexact=terms.email)
    elif terms.names:
        reporter, follower = Q(), Q()
        for name in terms.names:
            reporter &= Q(reporter_first_name__istartswith=name) | Q(reporter_last_name__istartswith=name)
            follower &= Q(name__icontains=name)
    reported: list[ServiceRequest] = []
    if reporter is not None and follower is not None:
        reported = list(visible.filter(reporter).order_by("-requested_datetime")[:CALLER_LIMIT])
        for sr in reported:
            how.setdefault(sr.pk, REPORTED)
        followed = (
            Follower.objects.filter(request__in=visible)
            .filter(follower)
            .exclude(reason=FollowerReason.REPORTER)  # the reporter is found as the reporter
            .order_by("-created_at")
        )
        followers = list(followed[: CALLER_LIMIT * 2])
        for row in followers:
            how.setdefault(row.request_id, FOLLOWS)
    else:
        followers = []
    found = list(
        ServiceRequest.objects.filter(pk__in=list(how))
        .select_related("service", "parent")
        .order_by("-requested_datetime", "-pk")[:CALLER_LIMIT]
    )
    return CallerMatch(found, how, caller_contact(terms, reported, followers))


def caller_contact(
    terms: words.SearchTerms, reported: Sequence[ServiceRequest], followers: Sequence[Follower]
) -> dict[str, str]:
    """Who the caller is, as far as a phone or email search says: their details on their newest report
    (or the follower record), else what the agent typed. A name search is too loose to fill anything."""
    if not (terms.phone or terms.email):
        return {}
    if reported:
        sr = reported[0]
        return {
            "first_name": sr.reporter_first_name,
            "last_name": sr.reporter_last_name,
            "phone": sr.reporter_phone or (terms.text if terms.phone else ""),
            "email": sr.reporter_email or terms.email,
        }
    if followers:
        row = followers[0]
        return {
            "first_name": row.name,
            "phone": row.phone or (terms.text if terms.phone else ""),
            "email": row.email or terms.email,
        }
    return {"phone": terms.text} if terms.phone else {"email": terms.email}


@dataclass
class Place:
    label: str
    lat: float
    long: float


def place_of(jurisdiction: Jurisdiction, address: str, lat: float | None, long: float | None) -> Place | None:
    """Where the caller means: the map point when there is one, else the geocoded address."""
    if lat is not None and long is not None:
        return Place(address or f"{lat:.5f}, {long:.5f}", lat, long)
    if not address:
        return None
    try:
        hit = get_geocoder().geocode(jurisdiction, address)
    except (OSError, ValueError):  # an outside geocoder that is down must not break the page
        log.warning("geocoding %r failed", address, exc_info=True)
        return None
    return Place(hit.address, hit.lat, hit.long) if hit else None


def open_near(user, jurisdiction: Jurisdiction, place: Place, service: Service | None, now) -> list[Found]:
    """Open requests within NEARBY_METRES of the place, the same service first, then the nearest.

    Public services only: an agent reads these out to a caller ("already reported"), and requests of a
    private service (a wellness check next door) are no caller's business.
    """
    candidates = (
        visible_requests(user)
        .public()
        .of(jurisdiction)
        .open()
        .near(place.lat, place.long, NEARBY_METRES)
        .nearest_first()
        .select_related("service", "parent")[:NEARBY_CANDIDATES]
    )
    near = [(sr, sr.metres_from(place.lat, place.long)) for sr in candidates]
    service_id = service.pk if service else None
    near.sort(key=lambda pair: (pair[0].service_id != service_id, pair[1]))
    near = near[:NEARBY_LIMIT]
    found = describe(user, jurisdiction, [sr for sr, _ in near], now)
    for item, (_, metres) in zip(found, near, strict=True):
        item.metres = metres
    return found


def existing_follower(sr: ServiceRequest, phone: str, email: str) -> Follower | None:
    """The follower this caller already is, matched on the phone's digits or the email in any case."""
    digits = words.phone_digits(phone)
    wanted = Q(pk__in=[])
    if len(digits) >= words.MIN_PHONE_DIGITS:
        wanted |= Q(phone__endswith=digits)  # stored as E.164
    if email:
        wanted |= Q(email__iexact=email)
    return sr.followers.filter(wanted).first()
