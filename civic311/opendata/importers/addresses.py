"""The offline geocoder's address index, from a CSV of addresses with coordinates."""

from pathlib import Path

from django.db import transaction

from civic311.catalog.models import Jurisdiction
from civic311.geo import addresses
from civic311.geo.models import Address
from civic311.opendata.importers.base import PROGRESS_EVERY, CsvFile, Progress

BATCH = 2000


def import_file(
    path: Path,
    jurisdiction: Jurisdiction,
    *,
    address_field: str = "street_address",
    lat_field: str = "latitude",
    long_field: str = "longitude",
    zip_field: str = "zip_code",
    id_field: str | None = None,
    progress: bool = False,
) -> tuple[int, int]:
    """Add the addresses not yet known (the first coordinates seen for an address win);
    returns (added, skipped). The CSV may be gzip. With `progress`, a bar on a terminal."""
    known = set(Address.objects.filter(jurisdiction=jurisdiction).values_list("normalized", flat=True))
    pending: list[Address] = []
    added = skipped = 0
    records = CsvFile(path)
    bar = Progress(progress, label=records.name, total=records.size)
    n = 0
    with bar, transaction.atomic():
        for n, row in enumerate(records, start=1):
            if n % PROGRESS_EVERY == 0:
                bar.show(n, records.position())
            text = (row.get(address_field) or "").strip()
            try:
                lat, long = float(row.get(lat_field) or ""), float(row.get(long_field) or "")
            except ValueError:
                skipped += 1
                continue
            norm = addresses.normalize(text)
            if not norm or norm in known or not (-90 <= lat <= 90 and -180 <= long <= 180):
                skipped += 1
                continue
            known.add(norm)
            parsed = addresses.parse(norm)
            pending.append(
                Address(
                    jurisdiction=jurisdiction,
                    address=addresses.display(text),
                    normalized=norm,
                    street=parsed.street,
                    number=parsed.number,
                    zipcode=(row.get(zip_field) or "")[:12],
                    address_id=(row.get(id_field) or "")[:64] if id_field else "",
                    lat=lat,
                    long=long,
                )
            )
            if len(pending) >= BATCH:
                added += len(Address.objects.bulk_create(pending))
                pending = []
        added += len(Address.objects.bulk_create(pending))
        bar.show(n, records.position())
    return added, skipped
