"""The offline geocoder's address index, from a CSV of addresses with coordinates."""

import csv
from pathlib import Path

from django.db import transaction

from civic311.catalog.models import Jurisdiction
from civic311.geo import addresses
from civic311.geo.models import Address

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
) -> tuple[int, int]:
    """Add the addresses not yet known (the first coordinates seen for an address win);
    returns (added, skipped)."""
    known = set(Address.objects.filter(jurisdiction=jurisdiction).values_list("normalized", flat=True))
    pending: list[Address] = []
    added = skipped = 0
    with open(path, newline="", encoding="utf-8-sig") as handle, transaction.atomic():
        for row in csv.DictReader(handle):
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
    return added, skipped
