"""Fixtures of the importer tests: real files (the sample city's, and slices in data/), written subsets."""

import csv
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import transaction

from civic311.catalog.models import Jurisdiction
from civic311.management import samplecity
from civic311.opendata.importers import districts
from civic311.opendata.importers.base import get_or_create_jurisdiction

DATA = Path(__file__).resolve().parent / "data"
CHICAGO_REQUESTS = samplecity.REQUESTS
CHICAGO_WARDS = samplecity.WARDS


def chicago_rows() -> list[dict]:
    with open(CHICAGO_REQUESTS, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, rows: Iterable[dict]) -> Path:
    rows = list(rows)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def chicago(db) -> Jurisdiction:
    """Chicago with its 50 real wards, and nothing else: what the importer finds on a fresh install."""
    jurisdiction = get_or_create_jurisdiction("chicago.example", "City of Chicago", "America/Chicago")
    districts.import_file(CHICAGO_WARDS, jurisdiction, kind="ward", name_field="District_N")
    return jurisdiction


@pytest.fixture
def chicago_csv(tmp_path) -> Callable[..., Path]:
    """Write some of the sample city's real rows (chosen by sr_number, in the order given) to a CSV."""

    def write(*numbers: str, change: Callable[[dict], None] | None = None) -> Path:
        by_number = {row["sr_number"]: row for row in chicago_rows()}
        rows = [dict(by_number[n]) for n in numbers]
        if change:
            for row in rows:
                change(row)
        return write_csv(tmp_path / "requests.csv", rows)

    return write


@contextmanager
def rolled_back(django_db_blocker) -> Iterator[None]:
    """Data for a whole module, in a transaction undone after it (as Django's setUpTestData does).

    Each test's own transaction nests inside as a savepoint, so tests still cannot see each other's
    changes; the expensive import happens once per module instead of once per test.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
