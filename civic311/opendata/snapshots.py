"""Daily snapshot files for a city's open-data portal to harvest: each finished day (in the city's time)
the worker writes `<jurisdiction>-requests-<day>.csv` and `.parquet` under the data directory, holding the
public requests filed or changed that day (a public event in their history that day) as they stood when
written. The live exports (/data/requests.csv …) give the whole set; a harvester keeps up from these.
Files are written under a temporary name and renamed, so a reader never sees half of one; days older than
SNAPSHOT_DAYS are removed.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from civic311.catalog.models import Jurisdiction
from civic311.geo.models import District
from civic311.opendata import formats
from civic311.servicerequests import records
from civic311.servicerequests.models import Event, ServiceRequest

SNAPSHOT_DAYS = 30
FORMATS = ("csv", "parquet")
NAME = re.compile(
    r"^(?P<jurisdiction>[a-z0-9.\-]+)-requests-(?P<day>\d{4}-\d{2}-\d{2})\.(?P<fmt>csv|parquet)$"
)


@dataclass(frozen=True)
class Snapshot:
    path: Path
    jurisdiction_id: str
    day: date
    fmt: str

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def directory() -> Path:
    path = Path(settings.DATA_DIR) / "opendata"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_name(jurisdiction: Jurisdiction, day: date, fmt: str) -> str:
    return f"{jurisdiction.jurisdiction_id}-requests-{day.isoformat()}.{fmt}"


def listed() -> list[Snapshot]:
    """The snapshot files there are, newest day first."""
    out = []
    for path in directory().iterdir():
        match = NAME.match(path.name)
        if match:
            day = date.fromisoformat(match["day"])
            out.append(Snapshot(path, match["jurisdiction"], day, match["fmt"]))
    return sorted(out, key=lambda s: (s.day, s.jurisdiction_id, s.fmt), reverse=True)


def find(name: str) -> Snapshot | None:
    """The snapshot of that exact file name, if there is one (the name is checked, never a path)."""
    return next((s for s in listed() if s.name == name), None)


def _day_bounds(jurisdiction: Jurisdiction, day: date) -> tuple[datetime, datetime]:
    tz = jurisdiction.tz
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


def write_day(jurisdiction: Jurisdiction, day: date) -> list[Path]:
    """Write (or rewrite) the day's files."""
    start, end = _day_bounds(jurisdiction, day)
    changed = Event.objects.public().filter(request=OuterRef("pk"), created_at__gte=start, created_at__lt=end)
    requests = ServiceRequest.objects.public().of(jurisdiction).filter(Exists(changed))
    kinds = District.objects.kinds(jurisdiction)
    names = records.column_names(kinds)
    written = []
    for fmt in FORMATS:
        target = directory() / file_name(jurisdiction, day, fmt)
        partial = target.with_name(f".{target.name}.partial")
        _content_type, write = formats.FORMATS[fmt]
        with partial.open("wb") as out:
            for chunk in write(names, records.batches(requests, kinds)):
                out.write(chunk)
        partial.replace(target)
        written.append(target)
    return written


def write_due(now: datetime | None = None) -> list[Path]:
    """The worker's daily job: each jurisdiction's files for yesterday (its time) if not yet written, and
    old ones removed. Safe to run any number of times."""
    now = now or timezone.now()
    written = []
    for jurisdiction in Jurisdiction.objects.all():
        yesterday = now.astimezone(jurisdiction.tz).date() - timedelta(days=1)
        have = all((directory() / file_name(jurisdiction, yesterday, f)).exists() for f in FORMATS)
        if not have:
            written += write_day(jurisdiction, yesterday)
    oldest = now.date() - timedelta(days=SNAPSHOT_DAYS)
    for snapshot in listed():
        if snapshot.day < oldest:
            snapshot.path.unlink(missing_ok=True)
    return written
