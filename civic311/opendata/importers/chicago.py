"""The City of Chicago's 311 open data (Socrata dataset v6vf-nfxy), as CSV."""

from datetime import datetime, timedelta
from pathlib import Path

from django.utils import timezone

from civic311.catalog.models import Jurisdiction
from civic311.opendata.importers.base import (
    Catalog,
    CsvFile,
    ImportReport,
    RowSkipped,
    aware,
    import_records,
    location,
)
from civic311.servicerequests.actions import ImportedRequest
from civic311.servicerequests.choices import Channel, Status

SOURCE = "chicago"
STATUSES = {
    "completed": Status.CLOSED,
    "canceled": Status.CANCELLED,
    "cancelled": Status.CANCELLED,
    "open": Status.NEW,
    "duplicate": Status.DUPLICATE,
}
CHANNELS = {
    "phone call": Channel.PHONE,
    "internet": Channel.WEB,
    "mobile device": Channel.APP,
    "e-mail": Channel.EMAIL,
    "email": Channel.EMAIL,
    "mass entry": Channel.STAFF,
    "salesforce mobile app": Channel.STAFF,
    "alderman's office": Channel.STAFF,
    "text": Channel.SMS,
}
# Columns we keep with the created event, as the record of where the request came from.
KEPT_COLUMNS = (
    "sr_number",
    "sr_type",
    "owner_department",
    "status",
    "origin",
    "created_date",
    "ward",
    "community_area",
)


def channel(origin: str) -> str:
    origin = origin.strip().lower()
    if origin.startswith("spot-open311") or "open311" in origin:
        return Channel.API
    return CHANNELS.get(origin, Channel.IMPORT)


def parse_time(text: str) -> datetime | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RowSkipped(f"unreadable date {text[:30]!r}") from None


def map_row(row: dict, catalog: Catalog, shift: timedelta, now: datetime | None = None) -> ImportedRequest:
    tz = catalog.jurisdiction.tz
    number = (row.get("sr_number") or "").strip()
    if not number:
        raise RowSkipped("no sr_number")
    created = parse_time(row.get("created_date", ""))
    if created is None:
        raise RowSkipped("no created_date")
    service = catalog.service(
        row.get("sr_short_code", ""), row.get("sr_type", ""), row.get("owner_department", "")
    )
    status = STATUSES.get((row.get("status") or "").strip().lower())
    if status is None:
        raise RowSkipped(f"unknown status {row.get('status', '')[:30]!r}")
    duplicate = (row.get("duplicate") or "").strip().lower() == "true"
    if duplicate and status != Status.NEW:
        status = Status.DUPLICATE
    closed = parse_time(row.get("closed_date", ""))
    modified = parse_time(row.get("last_modified_date", ""))

    def when(value: datetime | None) -> datetime | None:
        return aware(value, tz) + shift if value else None

    if now is not None and shift and any(t and when(t) > now for t in (closed, modified)):  # type: ignore[operator]
        # Moved to the present, this request was closed in the future: show it as still open.
        status, closed, modified = Status.NEW, None, None
    return ImportedRequest(
        service=service,
        service_request_id=number[:40],
        requested_datetime=when(created),  # type: ignore[arg-type]
        status_code=status,
        closed_datetime=when(closed) if status != Status.NEW else None,
        updated_datetime=when(modified),
        location=location(
            row.get("latitude", ""),
            row.get("longitude", ""),
            row.get("street_address", ""),
            row.get("zip_code", ""),
        ),
        channel=channel(row.get("origin", "")),
        department=catalog.department(row.get("owner_department", "")) or service.department,
        parent_service_request_id=(row.get("parent_sr_number") or "").strip(),
        source=SOURCE,
        source_data={k: row.get(k, "") for k in KEPT_COLUMNS},
    )


def rows(path: Path) -> CsvFile:
    return CsvFile(path)


def import_file(
    path: Path,
    jurisdiction: Jurisdiction,
    *,
    shift: timedelta = timedelta(0),
    limit: int | None = None,
    progress: bool = False,
    rejects: Path | None = None,
) -> ImportReport:
    now = timezone.now()
    return import_records(
        jurisdiction,
        rows(path),
        lambda row, catalog: map_row(row, catalog, shift, now),
        limit=limit,
        progress=progress,
        rejects=rejects,
    )


def newest_created(path: Path) -> datetime | None:
    """The latest created_date in the file (naive, as written), for shifting a demo to the present."""
    newest = None
    for row in rows(path):
        try:
            value = parse_time(row.get("created_date", ""))
        except RowSkipped:
            continue
        if value and (newest is None or value > newest):
            newest = value
    return newest
