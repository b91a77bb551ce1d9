"""Which public requests a reader asks for: the filters GeoReport's GET requests, the open-data exports
and the figures share. `read_filter` reads them from query parameters (empty means absent, comma lists,
every problem reported at once); `matching` applies them. A channel adds only its own parameters (paging,
formats) and its order.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from civic311.catalog import cache
from civic311.catalog.models import Department, Jurisdiction
from civic311.geo.models import District
from civic311.lib.datetimes import DatetimeError, parse_w3c
from civic311.servicerequests.choices import CLOSED, OPEN, Channel
from civic311.servicerequests.intake import FieldError, parse_coordinate
from civic311.servicerequests.models import ServiceRequest, ServiceRequestQuerySet

MAX_IDS = 500
DEFAULT_RADIUS_M = 500
MAX_RADIUS_M = 20_000
MAX_QUERY_LENGTH = 200

Params = Mapping[str, str]  # a QueryDict, or any mapping of names to texts


def get(query: Params, name: str) -> str:
    """A parameter's value, stripped; '' when absent or empty (the spec treats them alike)."""
    return (query.get(name) or "").strip()


def comma_list(query: Params, name: str) -> list[str]:
    return [part.strip() for part in get(query, name).split(",") if part.strip()]


def parse_bool(query: Params, name: str, errors: list[FieldError]) -> bool:
    raw = get(query, name).lower()
    if raw in ("", "false", "0", "no"):
        return False
    if raw in ("true", "1", "yes"):
        return True
    errors.append(FieldError(name, f"'{raw[:20]}' is not true or false"))
    return False


def parse_datetime(query: Params, name: str, errors: list[FieldError]) -> datetime | None:
    raw = get(query, name)
    if not raw:
        return None
    try:
        return parse_w3c(raw)
    except DatetimeError as exc:
        errors.append(FieldError(name, str(exc)))
        return None


def parse_int(query: Params, name: str, default: int, low: int, high: int, errors: list[FieldError]) -> int:
    raw = get(query, name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        errors.append(FieldError(name, f"'{raw[:20]}' is not a whole number"))
        return default
    if not low <= value <= high:
        errors.append(FieldError(name, f"{value} is out of range ({low} to {high})"))
        return default
    return value


def window(
    start: datetime | None,
    end: datetime | None,
    names: tuple[str, str],
    errors: list[FieldError],
    *,
    default_now: bool,
    max_span: timedelta | None,
) -> tuple[datetime | None, datetime | None]:
    """A date window. With a max_span, at most that long, a missing end filled in max_span from the other
    (and, with default_now, the max_span up to now when neither is given); without, as given."""
    if max_span is None:
        if start is not None and end is not None and start > end:
            errors.append(FieldError(names[0], f"{names[0]} is after {names[1]}"))
        return start, end
    if start is None and end is None:
        if not default_now:
            return None, None
        end = timezone.now()
    if start is None:
        assert end is not None
        start = end - max_span
    if end is None:
        end = start + max_span
    if start > end:
        errors.append(FieldError(names[0], f"{names[0]} is after {names[1]}"))
    elif end - start > max_span:
        days = (end - start).total_seconds() / 86400
        errors.append(
            FieldError(
                f"{names[0]}/{names[1]}",
                f"the span asked for is {days:.1f} days;"
                f" at most {max_span.days} days may be asked for at once",
            )
        )
    return start, end


@dataclass
class Point:
    lat: float
    long: float
    radius_m: float


@dataclass
class RequestFilter:
    """Which public requests, checked."""

    service_request_ids: list[str] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    near: Point | None = None
    bbox: tuple[float, float, float, float] | None = None  # min_lat, min_long, max_lat, max_long
    agencies: list[str] = field(default_factory=list)
    text: str = ""
    channels: list[str] = field(default_factory=list)
    service_groups: list[str] = field(default_factory=list)
    # (kind, code) pairs; in one kind any of them, across kinds all of them (ward 3 and police district 7)
    districts: list[tuple[str, str]] = field(default_factory=list)

    @property
    def by_update(self) -> bool:
        """Sync clients asking for changes get them oldest change first, so paging never skips one."""
        return self.updated_after is not None or self.updated_before is not None


def _parse_near(query: Params, errors: list[FieldError]) -> Point | None:
    raw_lat, raw_long, raw_radius = get(query, "lat"), get(query, "long"), get(query, "radius")
    if not (raw_lat or raw_long or raw_radius):
        return None
    if not (raw_lat and raw_long):
        errors.append(FieldError("lat/long", "a radius search needs both lat and long"))
        return None
    n = len(errors)
    lat = parse_coordinate(raw_lat, "lat", -90, 90, errors)
    long = parse_coordinate(raw_long, "long", -180, 180, errors)
    radius = parse_coordinate(raw_radius or DEFAULT_RADIUS_M, "radius", 1, MAX_RADIUS_M, errors)
    if len(errors) > n or lat is None or long is None or radius is None:
        return None
    return Point(lat, long, radius)


def _parse_bbox(query: Params, errors: list[FieldError]) -> tuple[float, float, float, float] | None:
    raw = get(query, "bbox")
    if not raw:
        return None
    parts = raw.split(",")
    if len(parts) != 4:
        errors.append(FieldError("bbox", "give min_long,min_lat,max_long,max_lat"))
        return None
    n = len(errors)
    min_long = parse_coordinate(parts[0], "bbox min_long", -180, 180, errors)
    min_lat = parse_coordinate(parts[1], "bbox min_lat", -90, 90, errors)
    max_long = parse_coordinate(parts[2], "bbox max_long", -180, 180, errors)
    max_lat = parse_coordinate(parts[3], "bbox max_lat", -90, 90, errors)
    if len(errors) > n:
        return None
    if min_lat > max_lat or min_long > max_long:  # type: ignore[operator]
        errors.append(FieldError("bbox", "the minimum corner is beyond the maximum corner"))
        return None
    return min_lat, min_long, max_lat, max_long  # type: ignore[return-value]


def _parse_channels(query: Params, errors: list[FieldError]) -> list[str]:
    channels = [c.lower() for c in comma_list(query, "channel")]
    for channel in channels:
        if channel not in Channel.values:
            errors.append(
                FieldError("channel", f"'{channel[:20]}' is not a channel; use {', '.join(Channel.values)}")
            )
    return channels


def _parse_districts(
    query: Params, jurisdiction: Jurisdiction | None, errors: list[FieldError]
) -> list[tuple[str, str]]:
    pairs = []
    for part in comma_list(query, "district"):
        kind, sep, code = part.partition(":")
        if not sep or not kind.strip() or not code.strip():
            errors.append(FieldError("district", f"'{part[:40]}': give kind:code, e.g. ward:42"))
            continue
        pairs.append((kind.strip().lower(), code.strip()))
    if pairs and jurisdiction is not None:
        known = set(
            District.objects.filter(jurisdiction=jurisdiction, kind__in={k for k, _ in pairs}).values_list(
                "kind", "code"
            )
        )
        for kind, code in pairs:
            if (kind, code) not in known:
                errors.append(FieldError("district", f"there is no {kind} {code[:40]}"))
    return pairs


def read_filter[F: RequestFilter](
    query: Params,
    f: F,
    errors: list[FieldError],
    *,
    max_span: timedelta | None,
    jurisdiction: Jurisdiction | None = None,
) -> F:
    """Fill f from the parameters. max_span: the longest window of dates asked at once, and the default
    window up to now (GeoReport's 90 days); None: any span, and all time when no dates are given. With the
    jurisdiction, districts it does not have are reported (else they match nothing)."""
    f.service_request_ids = comma_list(query, "service_request_id")
    if len(f.service_request_ids) > MAX_IDS:
        errors.append(
            FieldError("service_request_id", f"{len(f.service_request_ids)} ids; at most {MAX_IDS}")
        )
    if f.service_request_ids:
        # The spec: service_request_id overrides every other filter.
        return f
    f.service_codes = comma_list(query, "service_code")
    f.statuses = [s.lower() for s in comma_list(query, "status")]
    for status in f.statuses:
        if status not in (OPEN, CLOSED):
            errors.append(FieldError("status", f"'{status[:20]}' is not a status; use open, closed or both"))
    # `department` (a code) is the open-data name of GeoReport's agency_responsible (a code or a name).
    f.agencies = comma_list(query, "agency_responsible") + comma_list(query, "department")
    f.channels = _parse_channels(query, errors)
    f.service_groups = comma_list(query, "service_group")
    f.districts = _parse_districts(query, jurisdiction, errors)
    f.text = get(query, "q")
    if len(f.text) > MAX_QUERY_LENGTH:
        errors.append(FieldError("q", f"is longer than {MAX_QUERY_LENGTH} characters"))
    f.near = _parse_near(query, errors)
    f.bbox = _parse_bbox(query, errors)
    start = parse_datetime(query, "start_date", errors)
    end = parse_datetime(query, "end_date", errors)
    f.updated_after = parse_datetime(query, "updated_after", errors)
    f.updated_before = parse_datetime(query, "updated_before", errors)
    dates, updates = ("start_date", "end_date"), ("updated_after", "updated_before")
    if f.by_update:
        f.updated_after, f.updated_before = window(
            f.updated_after, f.updated_before, updates, errors, default_now=False, max_span=max_span
        )
        f.start, f.end = window(start, end, dates, errors, default_now=False, max_span=max_span)
    else:
        f.start, f.end = window(start, end, dates, errors, default_now=True, max_span=max_span)
    return f


def matching(
    jurisdiction: Jurisdiction, f: RequestFilter, among: ServiceRequestQuerySet | None = None
) -> QuerySet[ServiceRequest]:
    """The jurisdiction's public requests the filter asks for, in no order; or, with `among` (a staff
    member's scope, private ones included), those of `among`."""
    if among is not None:
        return _narrowed(among.of(jurisdiction), jurisdiction, f)
    if f.service_request_ids:
        return (
            ServiceRequest.objects.public()
            .of(jurisdiction)
            .filter(service_request_id__in=f.service_request_ids)
        )
    if f.service_codes:
        # The services belong to the jurisdiction, so the jurisdiction filter is left out: the
        # (service, public, status, requested) index then answers the count on its own.
        qs = ServiceRequest.objects.filter(
            public=True, service_id__in=cache.service_ids(jurisdiction, f.service_codes)
        )
    else:
        qs = ServiceRequest.objects.public().of(jurisdiction)
    return _narrowed(qs, jurisdiction, f, services_done=True)


def _narrowed(
    qs: ServiceRequestQuerySet, jurisdiction: Jurisdiction, f: RequestFilter, *, services_done: bool = False
) -> QuerySet[ServiceRequest]:
    if f.service_request_ids:
        return qs.filter(service_request_id__in=f.service_request_ids)
    if f.service_codes and not services_done:
        qs = qs.filter(service__service_code__in=f.service_codes)
    if f.statuses and len(set(f.statuses)) == 1:
        qs = qs.filter(status=f.statuses[0])
    if f.start is not None:
        qs = qs.filter(requested_datetime__gte=f.start)
    if f.end is not None:
        qs = qs.filter(requested_datetime__lte=f.end)
    if f.updated_after is not None:
        qs = qs.filter(updated_datetime__gt=f.updated_after)
    if f.updated_before is not None:
        qs = qs.filter(updated_datetime__lte=f.updated_before)
    if f.agencies:
        departments = Department.objects.filter(jurisdiction=jurisdiction).filter(
            Q(code__in=f.agencies) | Q(name__in=f.agencies)
        )
        qs = qs.filter(department_id__in=list(departments.values_list("pk", flat=True)))
    if f.channels:
        qs = qs.filter(channel__in=f.channels)
    if f.service_groups:
        qs = qs.filter(service__group__in=f.service_groups)
    for kind in dict.fromkeys(kind for kind, _ in f.districts):
        codes = [code for k, code in f.districts if k == kind]
        # EXISTS, not a join: a request counts once however its districts are grouped after.
        inside = ServiceRequest.districts.through.objects.filter(
            servicerequest_id=OuterRef("pk"),
            district__jurisdiction=jurisdiction,
            district__kind=kind,
            district__code__in=codes,
        )
        qs = qs.filter(Exists(inside))
    if f.near is not None:
        qs = qs.near(f.near.lat, f.near.long, f.near.radius_m)
    if f.bbox is not None:
        min_lat, min_long, max_lat, max_long = f.bbox
        qs = qs.filter(lat__range=(min_lat, max_lat), long__range=(min_long, max_long))
    if f.text:
        qs = qs.filter(
            Q(description__icontains=f.text)
            | Q(address__icontains=f.text)
            | Q(status_notes__icontains=f.text)
            | Q(service__service_name__icontains=f.text)
            | Q(service_request_id__iexact=f.text)
        )
    return qs
