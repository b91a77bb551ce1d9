"""Distances and boxes at city scale."""

import math

import pytest

from civic311.lib.geomath import METRES_PER_DEGREE_LAT, degrees_box, haversine_m, long_scale

CHICAGO_LOOP = (41.8781, -87.6298)
WILLIS_TOWER = (41.8789, -87.6359)


def test_a_place_is_no_distance_from_itself():
    assert haversine_m(*CHICAGO_LOOP, *CHICAGO_LOOP) == 0


def test_a_degree_of_latitude_is_about_111_km():
    assert haversine_m(41.0, -87.6, 42.0, -87.6) == pytest.approx(111_195, rel=1e-4)
    assert pytest.approx(111_195, rel=1e-4) == METRES_PER_DEGREE_LAT


def test_the_distance_is_the_same_both_ways():
    there = haversine_m(*CHICAGO_LOOP, *WILLIS_TOWER)
    assert there == haversine_m(*WILLIS_TOWER, *CHICAGO_LOOP)
    assert there == pytest.approx(511, abs=5)  # two points a few blocks apart in the Loop


def test_it_measures_antipodes_as_half_the_earth_without_failing():
    assert haversine_m(0, 0, 0, 180) == pytest.approx(math.pi * 6_371_008.8)


def test_the_box_contains_the_circle():
    lat, long, radius = *CHICAGO_LOOP, 250
    min_lat, min_long, max_lat, max_long = degrees_box(lat, long, radius)
    assert min_lat < lat < max_lat and min_long < long < max_long
    # Each side of the box is the radius away from the centre, no more, no less.
    assert haversine_m(lat, long, max_lat, long) == pytest.approx(radius, rel=1e-3)
    assert haversine_m(lat, long, min_lat, long) == pytest.approx(radius, rel=1e-3)
    assert haversine_m(lat, long, lat, max_long) == pytest.approx(radius, rel=1e-3)
    assert haversine_m(lat, long, lat, min_long) == pytest.approx(radius, rel=1e-3)


def test_the_box_does_not_divide_by_zero_at_the_pole():
    _, min_long, _, max_long = degrees_box(90.0, 0.0, 100)
    assert math.isfinite(min_long) and math.isfinite(max_long)


def test_the_longitude_scale_turns_degrees_into_a_circle_test_close_to_haversine():
    lat, long = CHICAGO_LOOP
    other_lat, other_long = WILLIS_TOWER
    scale = long_scale(lat)
    flat = math.hypot(other_lat - lat, (other_long - long) * scale) * METRES_PER_DEGREE_LAT
    assert flat == pytest.approx(haversine_m(lat, long, other_lat, other_long), rel=1e-3)
    assert long_scale(0) == 1
