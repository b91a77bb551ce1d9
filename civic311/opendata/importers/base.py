"""What every importer shares: reading CSV (plain or gzip), finding or creating services, departments and
districts, locating rows in districts in bulk, recording through the domain
(actions.import_or_update_requests), counting what was skipped and writing it out (--rejects), and the
progress bar of long imports.

An import is resumable: each batch is one transaction, so one stopped half-way (Ctrl-C, kill) leaves whole
batches behind, and running it again finds those requests already there (updating any whose record
changed) and imports the rest, never twice.
"""

import csv
import gzip
import io
import itertools
import json
import sys
import zoneinfo
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from django.db import connection
from django.utils.text import slugify

from civic311.catalog.models import Department, Jurisdiction, Service
from civic311.geo.districts import district_ids_for_many
from civic311.geo.models import NO_POLYGON, District
from civic311.servicerequests import actions
from civic311.servicerequests.intake import Location
from civic311.servicerequests.models import Event, ServiceRequest

BATCH = 500
# PostgreSQL's statistics of the tables an import fills are refreshed when it has written this many
# requests, then twice as many, and so on, and at its end: a table grown from nothing with statistics of
# when it was empty gets plans for an empty table (a batch's lookup of the numbers already there by a
# scan of the whole jurisdiction, slower with every batch). Autovacuum would, later, or never if it is off.
ANALYZE_FIRST = 2000
# The bar is redrawn at most this often (rich's own refresh), and told the position every this many records.
PROGRESS_EVERY = 250
GZIP_MAGIC = b"\x1f\x8b"


class RowSkipped(Exception):
    """This row cannot be imported; the message says why (counted, the import goes on)."""


@dataclass
class ImportReport:
    imported: int = 0
    # Rows whose request was already there (from an earlier run): `updated` of them had changed.
    already_there: int = 0
    updated: int = 0
    skipped: Counter = field(default_factory=Counter)
    # Rows imported all the same, with something of theirs left out (e.g. unreadable coordinates).
    noted: Counter = field(default_factory=Counter)
    services_created: list[str] = field(default_factory=list)
    duplicates_linked: int = 0
    rejects_file: Path | None = None

    def lines(self) -> list[str]:
        skipped = sum(self.skipped.values())
        updated = f" (updated {self.updated})" if self.updated else ""
        out = [f"imported {self.imported}, already there {self.already_there}{updated}, skipped {skipped}"]
        out += [f"  skipped {n}: {reason}" for reason, n in self.skipped.most_common(10)]
        out += [f"  imported {n} all the same: {what}" for what, n in self.noted.most_common(10)]
        if self.services_created:
            out.append(
                f"  services created (inactive; review them in the admin): {', '.join(self.services_created)}"
            )
        if self.duplicates_linked:
            out.append(f"  duplicates linked to their parents: {self.duplicates_linked}")
        if self.rejects_file is not None:
            out.append(f"  rows not imported, with the reason: {self.rejects_file}")
        return out


class ImportInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM, see the command) during an import: the batches written so far are kept."""

    def __init__(self, report: ImportReport):
        super().__init__("import interrupted")
        self.report = report


def get_or_create_jurisdiction(jurisdiction_id: str, name: str, time_zone: str) -> Jurisdiction:
    zoneinfo.ZoneInfo(time_zone)
    jurisdiction, _ = Jurisdiction.objects.get_or_create(
        jurisdiction_id=jurisdiction_id, defaults={"name": name, "time_zone": time_zone}
    )
    return jurisdiction


class Catalog:
    """Services, departments and districts of a jurisdiction, looked up by code/name, created when
    missing (one query each the first time, then from memory)."""

    def __init__(self, jurisdiction: Jurisdiction, report: ImportReport):
        self.jurisdiction = jurisdiction
        self.report = report
        self.services = {s.service_code: s for s in Service.objects.filter(jurisdiction=jurisdiction)}
        for service in self.services.values():
            service.jurisdiction = jurisdiction  # known: not read again for each service
        self.departments = {d.name: d for d in Department.objects.filter(jurisdiction=jurisdiction)}
        self.districts: dict[tuple[str, str], int] = {}

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

    def service(self, code: str, name: str, department: str = "", group: str = "") -> Service:
        code = code.strip()[:64]
        if not code:
            raise RowSkipped("no service code")
        if code not in self.services:
            # A service only the history knows: kept inactive so it is not offered for new requests.
            self.services[code] = Service.objects.create(
                jurisdiction=self.jurisdiction,
                service_code=code,
                service_name=(name or code)[:200],
                group=group.strip()[:100],
                department=self.department(department),
                active=False,
            )
            self.report.services_created.append(code)
        return self.services[code]

    def district(self, kind: str, code: str, name: str) -> int:
        """The id of the district of this kind and code, created without a polygon (geo.models.NO_POLYGON)
        when missing: for records that name their district by code where the city's polygons are not
        imported. A district already there (polygon or not) is used as it is."""
        key = (kind, code)
        if key not in self.districts:
            if not any(k == kind for k, _ in self.districts):
                self.districts.update(
                    ((kind, c), pk)
                    for c, pk in District.objects.filter(
                        jurisdiction=self.jurisdiction, kind=kind
                    ).values_list("code", "pk")
                )
            if key not in self.districts:
                self.districts[key] = District.objects.get_or_create(
                    jurisdiction=self.jurisdiction,
                    kind=kind,
                    code=code,
                    defaults={"name": name[:200], "geometry": NO_POLYGON},
                )[0].pk
        return self.districts[key]


def aware(value: datetime, tz: zoneinfo.ZoneInfo) -> datetime:
    """A local time of the city's records made aware in its time zone (the offset of that date, so daylight
    saving time is right). A time that comes twice (the hour clocks go back) is taken as the first."""
    return value if value.tzinfo else value.replace(tzinfo=tz)


class CsvFile:
    """The records of a CSV file, plain or gzip (told by its first bytes), each a dict by header; read
    lazily, and knowing how far into the file reading has got (the progress bar's position)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.name = self.path.name
        self.size = self.path.stat().st_size
        self._raw: IO[bytes] | None = None

    def position(self) -> int:
        """Bytes of the file (compressed, for gzip) read so far."""
        raw = self._raw
        if raw is None:
            return 0
        try:
            return self.size if raw.closed else raw.tell()
        except (OSError, ValueError):
            return 0

    def __iter__(self) -> Iterator[dict]:
        with open(self.path, "rb") as raw:
            self._raw = raw
            compressed = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            binary: IO[bytes] = gzip.GzipFile(fileobj=raw) if compressed else raw  # type: ignore[assignment]
            with io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as text:
                yield from csv.DictReader(text)


def _rows_column() -> Any:
    """A rich column: rows so far, and rows a second (rich is imported only when a bar is shown)."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class Rows(ProgressColumn):
        def render(self, task):
            rows = task.fields.get("rows", 0)
            rate = rows / task.elapsed if task.elapsed else 0
            return Text(f"{rows:,} {task.fields.get('unit', 'rows')} {rate:,.0f}/s")

    return Rows()


class Progress:
    """The progress bar of a long import, on stderr, shown only when that is a terminal (never in tests,
    cron jobs or when piped) and not turned off (--quiet). Its position is bytes of the file when the
    records come from a CsvFile (so the time left is known without counting rows first), else rows."""

    def __init__(self, wanted: bool, *, label: str, total: float | None = None, unit: str = "rows"):
        self._bar: Any = None
        self._task: Any = None
        self.unit = unit
        if not (wanted and sys.stderr.isatty()):
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as Bar

        # One line of a terminal of 80 columns: name, bar, percent, rows and rows/s, time left.
        self._bar = Bar(
            TextColumn("{task.description}"),
            BarColumn(bar_width=20),
            TaskProgressColumn(),
            _rows_column(),
            TimeRemainingColumn(),
            console=Console(file=sys.stderr),
        )
        self._bar.start()
        self._task = self._bar.add_task(label, total=total, rows=0, unit=unit)

    @classmethod
    def over(cls, wanted: bool, records: object, label: str, limit: int | None = None) -> "Progress":
        if isinstance(records, CsvFile) and limit is None:
            return cls(wanted, label=label, total=records.size)
        total = len(records) if isinstance(records, Sized) else None
        if limit is not None:
            total = min(total, limit) if total is not None else limit
        return cls(wanted, label=label, total=total)

    def show(self, rows: int, position: float | None = None) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=rows if position is None else position, rows=rows)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, kind: type | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class Rejects:
    """The records an import could not use, each with the reason, written as CSV (--rejects FILE): the
    columns `record` (its place in the file, 1 for the first record after the header) and `reason`, then
    the record's own fields, so a corrected file can be made from it and imported again."""

    def __init__(self, path: Path | None):
        self.path = path
        self._handle: IO[str] | None = None
        self._writer: csv.DictWriter | None = None
        if path is not None:
            self._handle = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115 (closed in close)

    def add(self, number: int, record: dict, reason: str) -> None:
        if self._handle is None:
            return
        if self._writer is None:
            self._writer = csv.DictWriter(
                self._handle, fieldnames=["record", "reason", *record], extrasaction="ignore"
            )
            self._writer.writeheader()
        values = {
            k: v if isinstance(v, str | None) else json.dumps(v, default=str) for k, v in record.items()
        }
        self._writer.writerow({**values, "record": number, "reason": reason})

    def close(self) -> None:
        if self._handle is not None:
            if self._writer is None:
                csv.writer(self._handle).writerow(["record", "reason"])
            self._handle.close()
            self._handle = None


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def refresh_statistics() -> None:
    """PostgreSQL: ANALYZE the tables an import writes (SQLite plans these lookups well without)."""
    if connection.vendor != "postgresql":
        return
    tables = [m._meta.db_table for m in (ServiceRequest, Event, ServiceRequest.districts.through)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


def record_all(
    jurisdiction: Jurisdiction, items: Iterable["actions.ImportedRequest | RowSkipped"], report: ImportReport
) -> ImportReport:
    """Import the mapped rows in batches: districts found in bulk (added to those a row names by code),
    each batch through the domain in one transaction; rows already there are updated when changed."""
    parents: list[tuple[ServiceRequest, str]] = []
    analyze_at = ANALYZE_FIRST
    try:
        for chunk in _chunks(items, BATCH):
            good = []
            for item in chunk:
                if isinstance(item, RowSkipped):
                    report.skipped[str(item)] += 1
                else:
                    good.append(item)
            located = [i for i in good if i.location.has_point]
            hits = district_ids_for_many(
                jurisdiction.pk, [(i.location.lat, i.location.long) for i in located]
            )
            for item, ids in zip(located, hits, strict=True):
                item.district_ids = sorted({*item.district_ids, *ids})
            batch = actions.import_or_update_requests(good)
            report.imported += len(batch.created)
            report.already_there += batch.already_there
            report.updated += len(batch.updated)
            wanted = {
                i.service_request_id: i.parent_service_request_id for i in good if i.parent_service_request_id
            }
            # A duplicate already there but unlinked (its parent came after an interrupted run): tried again.
            candidates = batch.created + [r for r in batch.updated + batch.unchanged if r.parent_id is None]
            parents += [
                (r, wanted[r.service_request_id]) for r in candidates if r.service_request_id in wanted
            ]
            if report.imported >= analyze_at:
                refresh_statistics()
                analyze_at *= 2
        # Parents may come after their duplicates in the file: linked once all are in.
        report.duplicates_linked += actions.link_imported_duplicates(parents)
        if report.imported >= ANALYZE_FIRST:
            refresh_statistics()
    except KeyboardInterrupt:
        raise ImportInterrupted(report) from None
    return report


def import_records(
    jurisdiction: Jurisdiction,
    records: Iterable[dict],
    map_record: Callable[[dict, Catalog], "actions.ImportedRequest"],
    *,
    limit: int | None = None,
    progress: bool = False,
    rejects: Path | None = None,
) -> ImportReport:
    """Map each record (a row skipped is counted, and written to `rejects` if given, not fatal) and record
    them in batches, with a progress bar on a terminal when `progress`."""
    report = ImportReport(rejects_file=rejects)
    catalog = Catalog(jurisdiction, report)
    label = getattr(records, "name", "records")
    bar = Progress.over(progress, records, label, limit)
    position = records.position if isinstance(records, CsvFile) and limit is None else None
    rejected = Rejects(rejects)

    def mapped() -> Iterator["actions.ImportedRequest | RowSkipped"]:
        n = 0
        for n, record in enumerate(itertools.islice(records, limit), start=1):
            if n % PROGRESS_EVERY == 0:
                bar.show(n, position() if position else None)
            try:
                yield map_record(record, catalog)
            except RowSkipped as exc:
                rejected.add(n, record, str(exc))
                yield exc
        bar.show(n, position() if position else None)

    try:
        return record_all(jurisdiction, mapped(), report)
    finally:
        bar.close()
        rejected.close()


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
