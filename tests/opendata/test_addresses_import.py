"""Building the offline geocoder's address index from a CSV of addresses with coordinates."""

import pytest

from civic311.geo.geocoder import LocalGeocoder
from civic311.geo.models import Address
from civic311.management import samplecity
from civic311.opendata.importers.addresses import import_file
from tests.opendata.conftest import write_csv


def row(address: str, lat="41.9", long="-87.7", zip_code="60612", **extra) -> dict:
    return {"street_address": address, "latitude": lat, "longitude": long, "zip_code": zip_code, **extra}


@pytest.fixture
def jurisdiction(city):
    Address.objects.all().delete()  # start with an empty index
    return city.jurisdiction


def test_it_builds_the_address_index(jurisdiction, tmp_path):
    path = write_csv(tmp_path / "a.csv", [row("2111 W Lexington ST", "41.8718", "-87.6798")])
    assert import_file(path, jurisdiction) == (1, 0)
    address = Address.objects.get()
    assert (address.address, address.normalized) == ("2111 W Lexington St", "2111 W LEXINGTON ST")
    assert (address.street, address.number, address.zipcode) == ("W LEXINGTON ST", 2111, "60612")
    assert (address.lat, address.long) == (41.8718, -87.6798)
    place = LocalGeocoder().geocode(jurisdiction, "2111 West Lexington Street")
    assert place is not None and (place.lat, place.long) == (41.8718, -87.6798)


def test_a_duplicate_address_is_added_once_and_the_first_coordinates_win(jurisdiction, tmp_path):
    rows = [
        row("2111 W Lexington ST", "41.8718", "-87.6798"),
        row("2111 West Lexington Street", "41.9999", "-87.9999"),
        row("2111 W LEXINGTON ST", "41.8888", "-87.8888"),
    ]
    assert import_file(write_csv(tmp_path / "a.csv", rows), jurisdiction) == (1, 2)
    assert Address.objects.get().lat == 41.8718


def test_an_address_already_in_the_index_is_not_added_again(jurisdiction, tmp_path):
    path = write_csv(tmp_path / "a.csv", [row("1 N State St"), row("2 N State St")])
    assert import_file(path, jurisdiction) == (2, 0)
    assert import_file(path, jurisdiction) == (0, 2)
    assert Address.objects.count() == 2


@pytest.mark.parametrize(
    ("lat", "long"),
    [("", "-87.7"), ("41.9", ""), ("north", "-87.7"), ("91", "-87.7"), ("41.9", "-181"), ("nan", "-87.7")],
)
def test_a_row_with_bad_coordinates_is_skipped(jurisdiction, tmp_path, lat, long):
    path = write_csv(tmp_path / "a.csv", [row("1 N State St", lat, long), row("2 N State St")])
    assert import_file(path, jurisdiction) == (1, 1)
    assert list(Address.objects.values_list("normalized", flat=True)) == ["2 N STATE ST"]


def test_a_row_without_an_address_is_skipped(jurisdiction, tmp_path):
    path = write_csv(tmp_path / "a.csv", [row(""), row(" ... "), row("2 N State St")])
    assert import_file(path, jurisdiction) == (1, 2)


def test_it_reads_other_column_names_and_keeps_the_address_id(jurisdiction, tmp_path):
    rows = [{"ADDRESS": "10 S Dearborn St", "Y": "41.88", "X": "-87.63", "ZIP": "60603", "ID": "ADDR-77"}]
    added, _ = import_file(
        write_csv(tmp_path / "a.csv", rows),
        jurisdiction,
        address_field="ADDRESS",
        lat_field="Y",
        long_field="X",
        zip_field="ZIP",
        id_field="ID",
    )
    assert added == 1
    assert LocalGeocoder().by_address_id(jurisdiction, "ADDR-77").address == "10 S Dearborn St"


def test_it_builds_the_index_from_the_sample_citys_requests(jurisdiction):
    added, skipped = import_file(samplecity.REQUESTS, jurisdiction)
    assert added + skipped == 5000
    assert added == Address.objects.count() > 1000  # many requests share an address
    assert Address.objects.filter(normalized="2111 W LEXINGTON ST").exists()
