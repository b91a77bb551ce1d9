"""Every importer's progress bar: on stderr when it is a terminal, never otherwise (tests, pipes, --quiet)."""

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import call_command

from civic311.opendata.importers import addresses, boston, chicago, districts, open311
from civic311.opendata.importers.base import CsvFile, Progress, get_or_create_jurisdiction
from tests.opendata.conftest import CHICAGO_WARDS, DATA, write_csv
from tests.opendata.test_boston_import import BOSTON_CSV, fixture_rows

SF_REQUESTS = DATA / "sf311-encampments-requests.json"


class Terminal(io.StringIO):
    """stderr as a terminal would be."""

    def isatty(self) -> bool:
        return True


@contextmanager
def on_a_terminal() -> Iterator[Terminal]:
    """stderr a terminal for the block (set inside the test: pytest's capture resets it between phases)."""
    screen, before = Terminal(), sys.stderr
    sys.stderr = screen
    try:
        yield screen
    finally:
        sys.stderr = before


@pytest.fixture
def city(db):
    return get_or_create_jurisdiction("somewhere.example", "Somewhere", "America/New_York")


def test_no_bar_when_stderr_is_not_a_terminal(city, capsys):
    bar = Progress(True, label="file.csv", total=10)
    assert bar._bar is None
    boston.import_file(BOSTON_CSV, city, progress=True)
    assert capsys.readouterr().err == ""


def test_the_request_importers_show_a_bar_on_a_terminal(city):
    with on_a_terminal() as terminal:
        boston.import_file(BOSTON_CSV, city, progress=True)
    shown = terminal.getvalue()
    assert "boston311-2015.csv" in shown and "51 rows" in shown and "100%" in shown


def test_a_bar_over_a_list_of_records_counts_them(city):
    with on_a_terminal() as terminal:
        open311.import_file(SF_REQUESTS, city, progress=True)
    shown = terminal.getvalue()
    assert "30 rows" in shown and "100%" in shown


def test_no_bar_when_not_wanted(city):
    with on_a_terminal() as terminal:
        chicago.import_file(BOSTON_CSV, city, progress=False)  # every row skipped: Chicago's columns
    assert terminal.getvalue() == ""


def test_the_districts_and_addresses_importers_show_theirs(city, tmp_path):
    with on_a_terminal() as terminal:
        districts.import_file(CHICAGO_WARDS, city, kind="ward", name_field="District_N", progress=True)
    assert "50 features" in terminal.getvalue() and "50 districts" in terminal.getvalue()
    rows = [{"street_address": f"{n} Main St", "latitude": "42.35", "longitude": "-71.06"} for n in range(3)]
    with on_a_terminal() as terminal:
        addresses.import_file(write_csv(tmp_path / "a.csv", rows), city, progress=True)
    assert "3 rows" in terminal.getvalue() and "100%" in terminal.getvalue()


def test_the_command_is_quiet_when_told(city):
    with on_a_terminal() as terminal:
        call_command("import_data", "boston", str(BOSTON_CSV), "--quiet", stdout=io.StringIO())
    assert terminal.getvalue() == ""
    with on_a_terminal() as terminal:
        call_command("import_data", "boston", str(BOSTON_CSV), stdout=io.StringIO())
    assert "boston311-2015.csv" in terminal.getvalue()


def test_a_csv_file_knows_how_far_it_has_been_read():
    records = CsvFile(BOSTON_CSV)
    assert records.position() == 0
    seen = 0
    for _ in records:
        seen += 1
        assert 0 < records.position() <= records.size
    assert seen == len(fixture_rows())
    assert records.position() == records.size
