"""Address text: one normal form for the many ways people and city files write the same address."""

import pytest

from civic311.geo.addresses import ParsedAddress, display, normalize, parse


@pytest.mark.parametrize(
    "text",
    [
        "2111 West Lexington Street",
        "2111 W LEXINGTON ST",
        "2111 w. Lexington St.",
        "  2111   West  Lexington Str ",
    ],
)
def test_it_gives_every_spelling_of_an_address_the_same_normal_form(text):
    assert normalize(text) == "2111 W LEXINGTON ST"


def test_it_abbreviates_suffixes_and_directions_the_usps_way():
    assert normalize("100 North Michigan Avenue") == "100 N MICHIGAN AVE"
    assert normalize("5 South Lake Shore Drive") == "5 S LAKE SHORE DR"
    assert normalize("1 East Wacker Boulevard") == "1 E WACKER BLVD"


def test_it_keeps_the_ampersand_of_an_intersection():
    assert normalize("State St. & Madison St.") == "STATE ST & MADISON ST"


def test_it_normalises_empty_text_to_empty():
    assert normalize("") == ""
    assert normalize(" ,. ") == ""


def test_it_parses_the_house_number_and_the_street():
    assert parse("2111 West Lexington Street") == ParsedAddress(2111, "W LEXINGTON ST")


def test_it_parses_a_number_with_a_unit_letter():
    assert parse("2111A W Lexington St") == ParsedAddress(2111, "W LEXINGTON ST")


def test_it_parses_an_address_without_a_number_as_a_street_only():
    assert parse("West Lexington Street") == ParsedAddress(None, "W LEXINGTON ST")


def test_it_displays_an_address_tidily():
    assert display("2111 W LEXINGTON ST") == "2111 W Lexington St"
    assert display("100 north michigan avenue") == "100 N Michigan Ave"


def test_it_displays_ordinal_street_names_in_lower_case():
    # str.title() would give "86Th" and "1St".
    assert display("220 EAST 86TH STREET") == "220 E 86th St"
    assert display("1 W 1st St") == "1 W 1st St"


def test_a_direction_that_names_the_street_is_kept():
    assert normalize("1600 West North Avenue") == "1600 W NORTH AVE"
    assert normalize("1600 W NORTH AVE") == normalize("1600 west north ave")


def test_a_trailing_direction_is_abbreviated():
    assert normalize("100 Lake Shore Drive North") == "100 LAKE SHORE DR N"
