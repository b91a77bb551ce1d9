"""New York City's 311 open data (Socrata dataset erm2-nwe9), as CSV or Socrata JSON."""

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from django.utils.text import slugify

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

SOURCE = "nyc"
STATUSES = {
    "closed": Status.CLOSED,
    "open": Status.NEW,
    "in progress": Status.IN_PROGRESS,
    "assigned": Status.ACKNOWLEDGED,
    "pending": Status.ACKNOWLEDGED,
    "started": Status.IN_PROGRESS,
    "unspecified": Status.NEW,
}
CHANNELS = {
    "phone": Channel.PHONE,
    "online": Channel.WEB,
    "mobile": Channel.APP,
    "other": Channel.IMPORT,
    "unknown": Channel.IMPORT,
}
MAX_JSON_BYTES = 500_000_000


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise RowSkipped(f"unreadable date {text[:30]!r}") from None


def _zipcode(row: dict) -> str:
    # CSVs that went through a spreadsheet or pandas carry ZIP codes as numbers: "10033.0".
    text = str(row.get("incident_zip") or "").strip()
    return text.removesuffix(".0") if text.removesuffix(".0").isdigit() else text


def service_code(complaint_type: str) -> str:
    return slugify(complaint_type).upper()[:64]


def map_row(row: dict, catalog: Catalog) -> ImportedRequest:
    tz = catalog.jurisdiction.tz
    number = str(row.get("unique_key") or "").strip()
    created = _time(row.get("created_date"))
    if not number or created is None:
        raise RowSkipped("no unique_key or created_date")
    complaint = (row.get("complaint_type") or "").strip()
    service = catalog.service(service_code(complaint), complaint, row.get("agency_name") or "")
    status = STATUSES.get((row.get("status") or "").strip().lower())
    if status is None:
        raise RowSkipped(f"unknown status {str(row.get('status'))[:30]!r}")
    closed = _time(row.get("closed_date"))
    updated = _time(row.get("resolution_action_updated_date"))
    address = row.get("incident_address") or " & ".join(
        s for s in (row.get("intersection_street_1"), row.get("intersection_street_2")) if s
    )
    descriptor = (row.get("descriptor") or "").strip()
    return ImportedRequest(
        service=service,
        service_request_id=number[:40],
        requested_datetime=aware(created, tz),
        status_code=status,
        closed_datetime=aware(closed, tz) if closed and status == Status.CLOSED else None,
        updated_datetime=aware(updated, tz) if updated else None,
        location=location(row.get("latitude", ""), row.get("longitude", ""), address, _zipcode(row)),
        description=descriptor,
        status_notes=(row.get("resolution_description") or "").strip()[:4000],
        channel=CHANNELS.get((row.get("open_data_channel_type") or "").strip().lower(), Channel.IMPORT),
        department=catalog.department(row.get("agency_name") or ""),
        source=SOURCE,
        source_data={
            k: row.get(k)
            for k in ("unique_key", "agency", "complaint_type", "descriptor", "community_board", "status")
        },
    )


def rows(path: Path) -> Iterable[dict]:
    if path.suffix.lower() == ".json":
        if path.stat().st_size > MAX_JSON_BYTES:
            raise ValueError(f"{path} is larger than {MAX_JSON_BYTES // 1_000_000} MB; export CSV instead")
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise ValueError(f"{path}: expected a JSON array of records")
        return [r for r in data if isinstance(r, dict)]
    return CsvFile(path)


def import_file(
    path: Path,
    jurisdiction: Jurisdiction,
    *,
    limit: int | None = None,
    progress: bool = False,
    rejects: Path | None = None,
) -> ImportReport:
    return import_records(jurisdiction, rows(path), map_row, limit=limit, progress=progress, rejects=rejects)
