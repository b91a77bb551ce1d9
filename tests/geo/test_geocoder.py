"""The offline geocoder: Springfield's address index (100 and 200 W Main St, 300 E Main St)."""

import pytest

from civic311.geo.geocoder import LocalGeocoder, get_geocoder
from civic311.geo.models import Address
from civic311.lib.geomath import METRES_PER_DEGREE_LAT
from tests.factories import add_address

geocoder = LocalGeocoder()


def north_of(lat: float, metres: float) -> float:
    return lat + metres / METRES_PER_DEGREE_LAT


def test_it_finds_an_address_exactly(city):
    place = geocoder.geocode(city.jurisdiction, "200 W Main St")
    assert place is not None and place.exact
    assert (place.address, place.lat, place.long) == ("200 W Main St", 41.880, -87.634)
    assert (place.zipcode, place.address_id) == ("60601", "A200")


@pytest.mark.parametrize("text", ["200 West Main Street", "200 w. main st.", "  200  WEST MAIN STR"])
def test_it_finds_an_address_however_it_is_spelled(city, text):
    place = geocoder.geocode(city.jurisdiction, text)
    assert place is not None and place.exact and place.address == "200 W Main St"


def test_it_interpolates_between_the_house_numbers_on_either_side(city):
    place = geocoder.geocode(city.jurisdiction, "150 West Main Street")
    assert place is not None and not place.exact
    assert place.address == "150 W Main St"
    assert place.lat == pytest.approx(41.880)
    assert place.long == pytest.approx(-87.635)  # half way between 100 (-87.636) and 200 (-87.634)
    assert place.zipcode == "60601"


def test_it_interpolates_in_proportion_to_the_number(city):
    place = geocoder.geocode(city.jurisdiction, "125 W Main St")
    assert place.long == pytest.approx(-87.636 + 0.25 * 0.002)


def test_it_does_not_interpolate_across_a_street_with_the_other_direction(city):
    # 250 E Main St: the only neighbour is 300 E Main St; the W numbers are another street.
    assert geocoder.geocode(city.jurisdiction, "250 E Main St") is None


def test_it_does_not_interpolate_beyond_the_last_known_number(city):
    assert geocoder.geocode(city.jurisdiction, "900 W Main St") is None
    assert geocoder.geocode(city.jurisdiction, "50 W Main St") is None


def test_it_does_not_interpolate_across_a_long_gap(city):
    add_address(city.jurisdiction, "900 W Main St", 41.880, -87.646)
    assert geocoder.geocode(city.jurisdiction, "500 W Main St") is None  # 200 .. 900 is too far apart


def test_it_answers_none_for_an_unknown_street_or_an_empty_text(city):
    assert geocoder.geocode(city.jurisdiction, "150 Elm St") is None
    assert geocoder.geocode(city.jurisdiction, "Main Street") is None
    assert geocoder.geocode(city.jurisdiction, " ") is None


def test_it_reverses_a_point_to_the_nearest_address_within_250_metres(city):
    place = geocoder.reverse(city.jurisdiction, north_of(41.880, 100), -87.6345)
    assert place is not None and place.address == "200 W Main St"


def test_it_reverses_a_point_farther_than_250_metres_from_every_address_to_none(city):
    assert geocoder.reverse(city.jurisdiction, north_of(41.880, 260), -87.636) is None


def test_it_reverses_to_the_nearest_even_among_many_addresses(city):
    # A dense block: hundreds of addresses ~200 m south (first in latitude order, and entered first)
    # and one right at the point.
    far = [
        Address(
            jurisdiction=city.jurisdiction,
            address=f"{n} N Far St",
            normalized=f"{n} N FAR ST",
            street="N FAR ST",
            number=n,
            lat=north_of(41.860, -200),
            long=-87.650 + n * 1e-7,
        )
        for n in range(1, 601)
    ]
    Address.objects.bulk_create(far)
    add_address(city.jurisdiction, "1 S Near St", 41.860, -87.650)
    place = geocoder.reverse(city.jurisdiction, 41.860, -87.650)
    assert place is not None and place.address == "1 S Near St"


def test_it_does_not_reverse_to_an_address_of_another_jurisdiction(city):
    from civic311.catalog.models import Jurisdiction

    other = Jurisdiction.objects.create(jurisdiction_id="shelbyville.example", name="Shelbyville")
    add_address(other, "1 Shelby St", 41.700, -87.700)
    assert geocoder.reverse(city.jurisdiction, 41.700, -87.700) is None
    assert geocoder.reverse(other, 41.700, -87.700).address == "1 Shelby St"


def test_it_suggests_addresses_that_start_with_what_was_typed(city):
    assert [p.address for p in geocoder.suggest(city.jurisdiction, "200 West Ma")] == ["200 W Main St"]
    assert [p.address for p in geocoder.suggest(city.jurisdiction, "1")] == []  # too short to suggest
    suggestions = geocoder.suggest(city.jurisdiction, "10")
    assert [p.address for p in suggestions] == ["100 W Main St"]


def test_it_suggests_in_order_and_at_most_the_limit(city):
    for n in range(101, 120):
        add_address(city.jurisdiction, f"{n} W Main St", 41.880, -87.636)
    suggestions = geocoder.suggest(city.jurisdiction, "1", limit=5) + geocoder.suggest(
        city.jurisdiction, "10", limit=5
    )
    assert [p.address for p in suggestions] == [
        "100 W Main St",
        "101 W Main St",
        "102 W Main St",
        "103 W Main St",
        "104 W Main St",
    ]


def test_it_finds_an_address_by_its_id(city):
    assert geocoder.by_address_id(city.jurisdiction, "A300").address == "300 E Main St"
    assert geocoder.by_address_id(city.jurisdiction, "A999") is None


def test_the_settings_choose_the_geocoder(settings):
    settings.GEOCODER = "local"
    assert isinstance(get_geocoder(), LocalGeocoder)
    settings.GEOCODER = "google"
    with pytest.raises(ValueError, match="use 'local' or 'nominatim'"):
        get_geocoder()
    settings.GEOCODER, settings.NOMINATIM_URL = "nominatim", ""
    with pytest.raises(ValueError, match="needs NOMINATIM_URL"):
        get_geocoder()
