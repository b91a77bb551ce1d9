"""The public representation of a request: what every channel that publishes one sends (the GeoReport API,
webhooks, live pushes). It is the domain's, so that no publisher depends on another: open311 renders these
as JSON and XML, notify signs them into webhooks, live pushes them to the tracking page.

Only fields named here ever leave the server, which is how reporter contact details and internal notes stay
private: no public schema has a field for them. Plain pydantic models (not ninja.Schema): ninja's Schema
re-reads nested models attribute by attribute, which marks every field as set and defeats exclude_unset.
"""

from datetime import UTC, datetime
from typing import Literal

from django.conf import settings
from django.db import connections
from django.db.models import QuerySet
from pydantic import BaseModel, Field

from civic311.lib.datetimes import format_w3c
from civic311.routing import estimates
from civic311.servicerequests.choices import EventKind, Status, fixmystreet_status, georeport_status
from civic311.servicerequests.models import Event, Media, ServiceRequest


class NoteOut(BaseModel):
    """One public event of the request's history (Chicago's `notes` extension)."""

    datetime: str
    summary: str
    type: Literal["opened", "closed", "activity"]
    description: str | None
    status: str


class PhotoOut(BaseModel):
    media_url: str
    width: int | None
    height: int | None


class ExtendedAttributes(BaseModel):
    """Chicago's extended_attributes, plus our workflow status and every district kind. Answers to the
    service's questions are not published: free-text answers may hold personal details."""

    channel: str
    status_code: str = Field(description="The workflow status behind open/closed, e.g. in_progress")
    duplicate: bool
    parent_service_request_id: str | None
    duplicates: list[str]
    ward: str | None
    districts: dict[str, str] = Field(description="District code by kind, e.g. {'ward': '42'}")
    photos: list[PhotoOut]
    typical_days_to_close: int | None = Field(
        description="What actually happens: the median days to close of similar requests done in the last"
        " 12 months (in its ward where the ward has enough), rounded up; null when too few to say"
    )
    p90_days_to_close: int | None = Field(description="9 in 10 of those were done within this many days")
    based_on: int | None = Field(description="How many similar requests those figures come from")


class RequestOut(BaseModel):
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: str
    service_code: str
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str
    updated_datetime: str | None
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None


class RequestOutExtended(RequestOut):
    extended_attributes: ExtendedAttributes
    notes: list[NoteOut]


class UpdateOut(BaseModel):
    """One public update (FixMyStreet's servicerequestupdates extension)."""

    update_id: str
    service_request_id: str
    status: str
    updated_datetime: str
    description: str
    media_url: str | None
    external_status_code: str | None


def _absolute(url: str) -> str:
    """Our own files' URLs made absolute, so a client on another site can fetch them."""
    return f"{settings.PUBLIC_BASE_URL}{url}" if url.startswith("/") else url


def _media_url(media: Media) -> str:
    return media.url or _absolute(media.file.url)


def _blank_to_none(value: str) -> str | None:
    return value or None


def _note_summary(event: Event) -> tuple[str, str]:
    """(summary, type) of a public event, in words a resident understands."""
    if event.kind == EventKind.CREATED:
        return "Request received", "opened"
    if event.kind == EventKind.ROUTED:
        return (
            f"Sent to {event.data.get('department_name') or event.data.get('department', 'a department')}",
            "activity",
        )
    if event.kind in (EventKind.STATUS_CHANGED, EventKind.MARKED_DUPLICATE):
        label = Status(event.status_code).label
        closing = georeport_status(event.status_code) == "closed"
        return str(label), "closed" if closing else "activity"
    if event.kind == EventKind.MEDIA_ADDED:
        return "Photo added", "activity"
    if event.kind == EventKind.DUPLICATE_ADDED:
        return f"Same problem also reported as {event.data.get('duplicate', '')}", "activity"
    return str(EventKind(event.kind).label), "activity"


def build_note(event: Event, tz) -> NoteOut:
    summary, note_type = _note_summary(event)
    return NoteOut(
        datetime=format_w3c(event.created_at, tz) or "",
        summary=summary,
        type=note_type,
        description=_blank_to_none("" if event.redacted_at else event.note),
        status=georeport_status(event.status_code),
    )


# The columns a public request is built from (ServiceRequest field paths, as for .values()).
PUBLIC_FIELDS = (
    "service_request_id", "status", "status_notes", "description", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url",
    "service__service_name", "service__service_code", "service__location_decimals", "department__name",
)  # fmt: skip


def published_place(row: dict) -> tuple[float | None, float | None, str, str]:
    """(lat, long, address, address_id) as published: rounded, and no address, where the service asks for
    privacy (Service.location_decimals). Every publisher (API, exports, feeds) goes through here."""
    decimals = row["service__location_decimals"]
    lat, long = row["lat"], row["long"]
    if decimals is None:
        return lat, long, row["address"], row["address_id"]
    return (
        None if lat is None else round(lat, decimals),
        None if long is None else round(long, decimals),
        "",
        "",
    )


def _public_fields(row: dict, tz) -> dict:
    lat, long, address, address_id = published_place(row)
    return dict(
        service_request_id=row["service_request_id"],
        status=row["status"],
        status_notes=_blank_to_none(row["status_notes"]),
        service_name=row["service__service_name"],
        service_code=row["service__service_code"],
        description=_blank_to_none(row["description"]),
        agency_responsible=row["department__name"],
        service_notice=_blank_to_none(row["service_notice"]),
        requested_datetime=format_w3c(row["requested_datetime"], tz),
        updated_datetime=format_w3c(row["updated_datetime"], tz),
        expected_datetime=format_w3c(row["expected_datetime"], tz),
        address=_blank_to_none(address),
        address_id=_blank_to_none(address_id),
        zipcode=_blank_to_none(row["zipcode"]),
        lat=lat,
        long=long,
        media_url=_blank_to_none(_absolute(row["media_url"])),
    )


def build_request_row(row: dict, tz) -> dict:
    """RequestOut as a plain dict, from its PUBLIC_FIELDS values: the hot path of GET requests, where
    neither model instances nor validation earn their cost (the values are our own typed columns).
    tests/open311/test_schemas.py keeps its keys identical to RequestOut's fields."""
    return _public_fields(row, tz)


_DATETIMES = ("requested_datetime", "updated_datetime", "expected_datetime")


def _aware(value: datetime | str | None) -> datetime | None:
    """A datetime column as the driver returns it: text on SQLite (UTC, as Django stores it), an aware
    datetime on PostgreSQL."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def public_rows(qs: QuerySet[ServiceRequest], tz) -> list[dict]:
    """RequestOut dicts of the requests of `qs` (filtered, ordered and sliced): its SQL run on the
    driver's cursor, the rows turned into dicts with no model instance or per-field converter in between
    (the hot path of GET requests; bench/peer.py measures it beside raw SQL)."""
    sql, params = qs.values_list(*PUBLIC_FIELDS).query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out = []
    for values in rows:
        row = dict(zip(PUBLIC_FIELDS, values, strict=True))
        for name in _DATETIMES:
            row[name] = _aware(row[name])
        out.append(_public_fields(row, tz))
    return out


def build_request(sr: ServiceRequest, tz, *, extended: bool = False) -> RequestOut:
    """The public view of a request. `sr` needs service and department loaded; with `extended`,
    also districts, public events, media and duplicates prefetched (see queries.with_output_relations)."""
    row = {name: getattr(sr, name) for name in PUBLIC_FIELDS if "__" not in name}
    row |= {
        "service__service_name": sr.service.service_name,
        "service__service_code": sr.service.service_code,
        "service__location_decimals": sr.service.location_decimals,
        "department__name": sr.department.name if sr.department else None,
    }
    fields = _public_fields(row, tz)
    if not extended:
        return RequestOut(**fields)
    districts = {d.kind: d.code for d in sr.districts.all()}
    typical = estimates.for_request(sr, [d.pk for d in sr.districts.all()])
    return RequestOutExtended(
        **fields,
        extended_attributes=ExtendedAttributes(
            channel=sr.channel,
            status_code=sr.status_code,
            duplicate=sr.parent_id is not None or sr.status_code == Status.DUPLICATE,
            parent_service_request_id=sr.parent.service_request_id if sr.parent else None,
            duplicates=[d.service_request_id for d in sr.duplicates.all()],
            ward=districts.get("ward"),
            districts=districts,
            photos=[
                PhotoOut(media_url=_media_url(m), width=m.width, height=m.height)
                for m in sr.media.all()
                if m.public
            ],
            typical_days_to_close=typical.typical_days if typical else None,
            p90_days_to_close=typical.p90_days if typical else None,
            based_on=typical.based_on if typical else None,
        ),
        notes=[build_note(e, tz) for e in sr.events.all() if e.public],
    )


def build_update(event: Event, tz) -> UpdateOut:
    media = [_media_url(m) for m in event.media.all() if m.public]
    return UpdateOut(
        update_id=str(event.pk),
        service_request_id=event.request.service_request_id,
        status=fixmystreet_status(event.status_code),
        updated_datetime=format_w3c(event.created_at, tz) or "",
        description="" if event.redacted_at else event.note,
        media_url=media[0] if media else None,
        external_status_code=event.status_code,
    )
