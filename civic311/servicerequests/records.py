"""The public record of a request as open data: its columns (the dictionary the /data/ page and the README
show) and the rows of any set of public requests, in batches. Every export (CSV, GeoJSON, Parquet, the daily
snapshots) writes these rows, so a field is public, or rounded, here and only here.

Batches are read by primary key (keyset: each batch its own short query, nothing held open between them),
so an export of any size holds one batch in memory and a client that goes away leaves nothing behind.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Count, QuerySet

from civic311.servicerequests.choices import EventKind
from civic311.servicerequests.models import Event, ServiceRequest
from civic311.servicerequests.public import published_place

BATCH = 5000


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # string, datetime, number, integer: what a reader parses it as
    description: str


COLUMNS = (
    Column("service_request_id", "string", "The request's number, as residents quote it"),
    Column("service_code", "string", "The service's code (GeoReport services.json)"),
    Column("service_name", "string", "The service, e.g. Pothole in Street"),
    Column("service_group", "string", "The service's group, e.g. Streets"),
    Column("department_code", "string", "Code of the department the request is routed to; empty: not routed"),
    Column("department_name", "string", "Name of that department (GeoReport agency_responsible)"),
    Column("status", "string", "open or closed (GeoReport status)"),
    Column("status_code", "string", "The workflow status behind it: new, in_progress, fixed, duplicate …"),
    Column("requested_datetime", "datetime", "When it was reported (UTC, ISO 8601)"),
    Column("updated_datetime", "datetime", "Its last change (UTC, ISO 8601)"),
    Column(
        "expected_datetime", "datetime", "When the city expects to be done: its service level target (UTC)"
    ),
    Column("closed_datetime", "datetime", "When it closed; empty while open (UTC, ISO 8601)"),
    Column("times_reopened", "integer", "How many times it was reopened after closing"),
    Column("channel", "string", "How it came in: web, app, phone, sms, email, api, staff, import"),
    Column("address", "string", "The address given or found; empty where the service withholds it"),
    Column("zipcode", "string", "Postal code"),
    Column("lat", "number", "Latitude (WGS84); rounded where the service asks for privacy"),
    Column("long", "number", "Longitude (WGS84); rounded where the service asks for privacy"),
    Column("parent_service_request_id", "string", "For a duplicate: the number of the request it duplicates"),
    Column("public_notes", "integer", "How many public notes its history has"),
)
DISTRICT_COLUMN = Column(
    "district_KIND", "string", "The code of the district of each kind it lies in, e.g. district_ward: 42"
)

# What each batch reads: the columns above, in the model's terms.
_FIELDS = (
    "pk", "service_request_id", "service__service_code", "service__service_name", "service__group",
    "department__code", "department__name", "status", "status_code", "requested_datetime",
    "updated_datetime", "expected_datetime", "closed_datetime", "times_reopened", "channel", "address",
    "address_id", "zipcode", "lat", "long", "service__location_decimals", "parent__service_request_id",
    "parent__public",
)  # fmt: skip


def utc_text(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def column_names(district_kinds: list[str]) -> list[str]:
    return [c.name for c in COLUMNS] + [f"district_{kind}" for kind in district_kinds]


def _districts(ids: list[int]) -> dict[int, dict[str, str]]:
    through = ServiceRequest.districts.through.objects.filter(servicerequest_id__in=ids)
    out: dict[int, dict[str, str]] = defaultdict(dict)
    for request_id, kind, code in through.values_list(
        "servicerequest_id", "district__kind", "district__code"
    ):
        out[request_id][kind] = code
    return out


def _public_notes(ids: list[int]) -> dict[int, int]:
    notes = Event.objects.public().filter(request_id__in=ids, kind=EventKind.NOTE)
    return dict(notes.order_by().values("request_id").annotate(n=Count("pk")).values_list("request_id", "n"))


def batches(requests: QuerySet[ServiceRequest], district_kinds: list[str]) -> Iterator[list[dict]]:
    """The records of the requests (public ones: the caller's queryset says which), oldest first, a batch
    at a time. Each record has exactly column_names(district_kinds)' keys; datetimes stay datetimes
    (each format writes its own)."""
    last = 0
    base = requests.order_by("pk")
    while True:
        rows = list(base.filter(pk__gt=last).values(*_FIELDS)[:BATCH])
        if not rows:
            return
        last = rows[-1]["pk"]
        ids = [row["pk"] for row in rows]
        districts, notes = _districts(ids), _public_notes(ids)
        yield [
            _record(row, districts.get(row["pk"], {}), notes.get(row["pk"], 0), district_kinds)
            for row in rows
        ]


def _record(row: dict, districts: dict[str, str], notes: int, district_kinds: list[str]) -> dict:
    lat, long, address, _address_id = published_place(row)
    record = {
        "service_request_id": row["service_request_id"],
        "service_code": row["service__service_code"],
        "service_name": row["service__service_name"],
        "service_group": row["service__group"],
        "department_code": row["department__code"] or "",
        "department_name": row["department__name"] or "",
        "status": row["status"],
        "status_code": row["status_code"],
        "requested_datetime": row["requested_datetime"],
        "updated_datetime": row["updated_datetime"],
        "expected_datetime": row["expected_datetime"],
        "closed_datetime": row["closed_datetime"],
        "times_reopened": row["times_reopened"],
        "channel": row["channel"],
        "address": address,
        "zipcode": row["zipcode"],
        "lat": lat,
        "long": long,
        # A private request's number is not for the public, even as what a public one duplicates.
        "parent_service_request_id": row["parent__service_request_id"] if row["parent__public"] else "",
        "public_notes": notes,
    }
    for kind in district_kinds:
        record[f"district_{kind}"] = districts.get(kind, "")
    return record
