"""GeoReport v2 service requests another server published (GET requests.json / .xml saved to a file).

XML is read with defusedxml: a file with a DTD or entities (XXE, billion laughs) is refused.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from civic311.catalog.models import Jurisdiction
from civic311.lib.datetimes import DatetimeError, parse_w3c
from civic311.opendata.importers.base import Catalog, ImportReport, RowSkipped, import_records, location
from civic311.servicerequests.actions import ImportedRequest
from civic311.servicerequests.choices import Status

SOURCE = "open311"
MAX_FILE_BYTES = 500_000_000


class Open311FileError(ValueError):
    pass


def _time(value: str | None, field: str):
    if not value:
        return None
    try:
        return parse_w3c(str(value))
    except DatetimeError as exc:
        raise RowSkipped(f"{field}: {exc}") from None


def map_record(record: dict, catalog: Catalog) -> ImportedRequest:
    number = str(record.get("service_request_id") or "").strip()
    requested = _time(record.get("requested_datetime"), "requested_datetime")
    if not number or requested is None:
        raise RowSkipped("no service_request_id or requested_datetime")
    service = catalog.service(
        str(record.get("service_code") or ""),
        str(record.get("service_name") or ""),
        str(record.get("agency_responsible") or ""),
    )
    status_text = str(record.get("status") or "").strip().lower()
    if status_text not in ("open", "closed"):
        raise RowSkipped(f"status {status_text[:20]!r} is neither open nor closed")
    updated = _time(record.get("updated_datetime"), "updated_datetime")
    closed = status_text == "closed"
    media = str(record.get("media_url") or "").strip()
    return ImportedRequest(
        service=service,
        service_request_id=number[:40],
        requested_datetime=requested,
        status_code=Status.CLOSED if closed else Status.NEW,
        closed_datetime=(updated or requested) if closed else None,
        updated_datetime=updated,
        expected_datetime=_time(record.get("expected_datetime"), "expected_datetime"),
        location=location(
            str(record.get("lat") or ""),
            str(record.get("long") or ""),
            str(record.get("address") or ""),
            str(record.get("zipcode") or ""),
        ),
        description=str(record.get("description") or "")[:4000],
        status_notes=str(record.get("status_notes") or "")[:4000],
        department=catalog.department(str(record.get("agency_responsible") or "")),
        media_url=media[:500] if media.startswith(("http://", "https://")) else "",
        source=SOURCE,
    )


def records(path: Path) -> Iterator[dict]:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise Open311FileError(f"{path} is larger than {MAX_FILE_BYTES // 1_000_000} MB")
    if path.suffix.lower() == ".xml":
        try:
            root = SafeET.parse(path, forbid_dtd=True).getroot()
        except DefusedXmlException as exc:
            raise Open311FileError(
                f"{path}: refused, the XML declares a DTD or entities ({type(exc).__name__})"
            ) from None
        except SafeET.ParseError as exc:
            raise Open311FileError(f"{path}: not well-formed XML ({exc})") from None
        if root.tag != "service_requests":
            raise Open311FileError(f"{path}: the root element is <{root.tag}>, not <service_requests>")
        for element in root.findall("request"):
            yield {child.tag: (child.text or "").strip() for child in element}
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Open311FileError(f"{path}: not JSON ({exc})") from None
    if not isinstance(data, list):
        raise Open311FileError(f"{path}: expected a JSON array of service requests")
    yield from (r for r in data if isinstance(r, dict))


def import_file(
    path: Path,
    jurisdiction: Jurisdiction,
    *,
    limit: int | None = None,
    progress: bool = False,
    rejects: Path | None = None,
) -> ImportReport:
    items = list(records(path))  # read (and refuse) the whole file before writing anything
    return import_records(jurisdiction, items, map_record, limit=limit, progress=progress, rejects=rejects)
