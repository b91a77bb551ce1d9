"""Distances and boxes on the Earth at city scale."""

import math

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_M / 180


def haversine_m(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(long2 - long1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def degrees_box(lat: float, long: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, min_long, max_lat, max_long) of a box that contains the circle."""
    dlat = radius_m / METRES_PER_DEGREE_LAT
    dlong = radius_m / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 1e-6))
    return lat - dlat, long - dlong, lat + dlat, long + dlong


def long_scale(lat: float) -> float:
    """How much shorter a degree of longitude is than one of latitude, at this latitude.

    With it, (dlat)² + (dlong·scale)² ≤ (r/metres per degree)² is a circle test in plain arithmetic,
    which both SQLite and PostgreSQL evaluate in SQL; at city scale it is within 0.1% of haversine.
    """
    return math.cos(math.radians(lat))
