"""What every importer shares: finding or creating services and departments, locating rows in
districts in bulk, recording through the domain (actions.import_requests), counting what was skipped."""

import itertools
import zoneinfo
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.text import slugify

from civic311.catalog.models import Department, Jurisdiction, Service
from civic311.geo.districts import district_ids_for_many
from civic311.servicerequests import actions
from civic311.servicerequests.intake import Location
from civic311.servicerequests.models import ServiceRequest

BATCH = 500


class RowSkipped(Exception):
    """This row cannot be imported; the message says why (counted, the import goes on)."""


@dataclass
class ImportReport:
    imported: int = 0
    already_there: int = 0
    skipped: Counter = field(default_factory=Counter)
    services_created: list[str] = field(default_factory=list)
    duplicates_linked: int = 0

    def lines(self) -> list[str]:
        skipped = sum(self.skipped.values())
        out = [f"imported {self.imported}, already there {self.already_there}, skipped {skipped}"]
        out += [f"  skipped {n}: {reason}" for reason, n in self.skipped.most_common(10)]
        if self.services_created:
            out.append(
                f"  services created (inactive; review them in the admin): {', '.join(self.services_created)}"
            )
        if self.duplicates_linked:
            out.append(f"  duplicates linked to their parents: {self.duplicates_linked}")
        return out


def get_or_create_jurisdiction(jurisdiction_id: str, name: str, time_zone: str) -> Jurisdiction:
    zoneinfo.ZoneInfo(time_zone)
    jurisdiction, _ = Jurisdiction.objects.get_or_create(
        jurisdiction_id=jurisdiction_id, defaults={"name": name, "time_zone": time_zone}
    )
    return jurisdiction


class Catalog:
    """Services and departments of a jurisdiction, looked up by code/name, created when missing."""

    def __init__(self, jurisdiction: Jurisdiction, report: ImportReport):
        self.jurisdiction = jurisdiction
        self.report = report
        self.services = {s.service_code: s for s in Service.objects.filter(jurisdiction=jurisdiction)}
        self.departments = {d.name: d for d in Department.objects.filter(jurisdiction=jurisdiction)}

    def department(self, name: str) -> Department | None:
        name = name.strip()
        if not name:
            return None
        if name not in self.departments:
            code = slugify(name)[:40] or "department"
            self.departments[name] = Department.objects.get_or_create(
                jurisdiction=self.jurisdiction, code=code, defaults={"name": name}
            )[0]
        return self.departments[name]

    def service(self, code: str, name: str, department: str = "") -> Service:
        code = code.strip()[:64]
        if not code:
            raise RowSkipped("no service code")
        if code not in self.services:
            # A service only the history knows: kept inactive so it is not offered for new requests.
            self.services[code] = Service.objects.create(
                jurisdiction=self.jurisdiction,
                service_code=code,
                service_name=(name or code)[:200],
                department=self.department(department),
                active=False,
            )
            self.report.services_created.append(code)
        return self.services[code]


def aware(value: datetime, tz: zoneinfo.ZoneInfo) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=tz)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def record_all(
    jurisdiction: Jurisdiction, items: Iterable["actions.ImportedRequest | RowSkipped"], report: ImportReport
) -> ImportReport:
    """Import the mapped rows in batches: districts found in bulk, each batch through the domain."""
    parents: list[tuple[ServiceRequest, str]] = []
    for chunk in _chunks(items, BATCH):
        good = []
        for item in chunk:
            if isinstance(item, RowSkipped):
                report.skipped[str(item)] += 1
            else:
                good.append(item)
        located = [i for i in good if i.location.has_point]
        hits = district_ids_for_many(jurisdiction.pk, [(i.location.lat, i.location.long) for i in located])
        for item, ids in zip(located, hits, strict=True):
            item.district_ids = ids
        created, already = actions.import_requests(good)
        report.imported += len(created)
        report.already_there += already
        wanted = {
            i.service_request_id: i.parent_service_request_id for i in good if i.parent_service_request_id
        }
        parents += [(r, wanted[r.service_request_id]) for r in created if r.service_request_id in wanted]
    for child, parent_id in parents:  # parents may come after their duplicates in the file
        report.duplicates_linked += actions.link_imported_duplicate(child, parent_id)
    return report


def import_records(
    jurisdiction: Jurisdiction,
    records: Iterable[dict],
    map_record: Callable[[dict, Catalog], "actions.ImportedRequest"],
    *,
    limit: int | None = None,
) -> ImportReport:
    """Map each record (a row skipped is counted, not fatal) and record them in batches."""
    report = ImportReport()
    catalog = Catalog(jurisdiction, report)

    def mapped() -> Iterator["actions.ImportedRequest | RowSkipped"]:
        for record in itertools.islice(records, limit):
            try:
                yield map_record(record, catalog)
            except RowSkipped as exc:
                yield exc

    return record_all(jurisdiction, mapped(), report)


def location(lat: str, long: str, address: str = "", zipcode: str = "") -> Location:
    """A Location from text columns; coordinates outside the Earth's ranges are dropped, not guessed."""
    try:
        la, lo = float(lat), float(long)
    except (TypeError, ValueError):
        la = lo = None  # type: ignore[assignment]
    if la is None or lo is None or not (-90 <= la <= 90 and -180 <= lo <= 180) or (la, lo) == (0.0, 0.0):
        la = lo = None  # type: ignore[assignment]
    return Location(
        lat=la, long=lo, address=(address or "").strip()[:300], zipcode=(zipcode or "").strip()[:12]
    )
