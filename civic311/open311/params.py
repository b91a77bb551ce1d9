"""Reading GeoReport query parameters: empty means absent, comma lists, every problem reported at once."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.http import QueryDict
from django.utils import timezone

from civic311.lib.datetimes import DatetimeError, parse_w3c
from civic311.servicerequests.choices import CLOSED, OPEN
from civic311.servicerequests.intake import FieldError, parse_coordinate

MAX_SPAN = timedelta(days=90)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_IDS = 500
DEFAULT_RADIUS_M = 500
MAX_RADIUS_M = 20_000
MAX_QUERY_LENGTH = 200


def get(query: QueryDict, name: str) -> str:
    """A parameter's value, stripped; '' when absent or empty (the spec treats them alike)."""
    return (query.get(name) or "").strip()


def comma_list(query: QueryDict, name: str) -> list[str]:
    return [part.strip() for part in get(query, name).split(",") if part.strip()]


def parse_bool(query: QueryDict, name: str, errors: list[FieldError]) -> bool:
    raw = get(query, name).lower()
    if raw in ("", "false", "0", "no"):
        return False
    if raw in ("true", "1", "yes"):
        return True
    errors.append(FieldError(name, f"'{raw[:20]}' is not true or false"))
    return False


def parse_datetime(query: QueryDict, name: str, errors: list[FieldError]) -> datetime | None:
    raw = get(query, name)
    if not raw:
        return None
    try:
        return parse_w3c(raw)
    except DatetimeError as exc:
        errors.append(FieldError(name, str(exc)))
        return None


def parse_int(
    query: QueryDict, name: str, default: int, low: int, high: int, errors: list[FieldError]
) -> int:
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
) -> tuple[datetime | None, datetime | None]:
    """A date window of at most 90 days; a missing end is filled in 90 days from the other."""
    if start is None and end is None:
        if not default_now:
            return None, None
        end = timezone.now()
    if start is None:
        assert end is not None
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if start > end:
        errors.append(FieldError(names[0], f"{names[0]} is after {names[1]}"))
    elif end - start > MAX_SPAN:
        days = (end - start).total_seconds() / 86400
        errors.append(
            FieldError(
                f"{names[0]}/{names[1]}",
                f"the span asked for is {days:.1f} days; at most 90 days may be asked for at once",
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
    """What GET requests.{fmt} asks for, checked."""

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
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    extensions: bool = False

    @property
    def by_update(self) -> bool:
        """Sync clients asking for changes get them oldest change first, so paging never skips one."""
        return self.updated_after is not None or self.updated_before is not None


def _parse_near(query: QueryDict, errors: list[FieldError]) -> Point | None:
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


def _parse_bbox(query: QueryDict, errors: list[FieldError]) -> tuple[float, float, float, float] | None:
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


def parse_request_filter(query: QueryDict) -> tuple[RequestFilter, list[FieldError]]:
    errors: list[FieldError] = []
    f = RequestFilter()
    f.extensions = parse_bool(query, "extensions", errors)
    f.page = parse_int(query, "page", 1, 1, 1_000_000, errors)
    f.page_size = parse_int(query, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE, errors)
    f.service_request_ids = comma_list(query, "service_request_id")
    if len(f.service_request_ids) > MAX_IDS:
        errors.append(
            FieldError("service_request_id", f"{len(f.service_request_ids)} ids; at most {MAX_IDS}")
        )
    if f.service_request_ids:
        # The spec: service_request_id overrides every other filter.
        return f, errors
    f.service_codes = comma_list(query, "service_code")
    f.statuses = [s.lower() for s in comma_list(query, "status")]
    for status in f.statuses:
        if status not in (OPEN, CLOSED):
            errors.append(FieldError("status", f"'{status[:20]}' is not a status; use open, closed or both"))
    f.agencies = comma_list(query, "agency_responsible")
    f.text = get(query, "q")
    if len(f.text) > MAX_QUERY_LENGTH:
        errors.append(FieldError("q", f"is longer than {MAX_QUERY_LENGTH} characters"))
    f.near = _parse_near(query, errors)
    f.bbox = _parse_bbox(query, errors)
    start = parse_datetime(query, "start_date", errors)
    end = parse_datetime(query, "end_date", errors)
    f.updated_after = parse_datetime(query, "updated_after", errors)
    f.updated_before = parse_datetime(query, "updated_before", errors)
    if f.by_update:
        f.updated_after, f.updated_before = window(
            f.updated_after, f.updated_before, ("updated_after", "updated_before"), errors, default_now=False
        )
        f.start, f.end = window(start, end, ("start_date", "end_date"), errors, default_now=False)
    else:
        f.start, f.end = window(start, end, ("start_date", "end_date"), errors, default_now=True)
    return f, errors
