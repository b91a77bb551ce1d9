"""Addresses to coordinates and back.

`LocalGeocoder` answers from the offline address index (the Address table), interpolating house
numbers along a street. `NominatimGeocoder` asks a Nominatim server. settings.GEOCODER chooses.
"""

import json
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db.models import ExpressionWrapper, F, FloatField

from civic311.catalog.models import Jurisdiction
from civic311.geo import addresses
from civic311.geo.models import Address
from civic311.lib.geomath import METRES_PER_DEGREE_LAT, haversine_m, long_scale

# reverse(): how far from a known address a point may be and still be given its address.
REVERSE_MAX_M = 250
# geocode(): how far along a street we interpolate between two known numbers.
INTERPOLATE_MAX_GAP = 400


@dataclass(frozen=True)
class Place:
    address: str
    lat: float
    long: float
    zipcode: str = ""
    address_id: str = ""
    exact: bool = True  # False when interpolated between neighbouring numbers


class Geocoder(Protocol):
    def geocode(self, jurisdiction: Jurisdiction, text: str) -> Place | None: ...

    def reverse(self, jurisdiction: Jurisdiction, lat: float, long: float) -> Place | None: ...

    def suggest(self, jurisdiction: Jurisdiction, text: str, limit: int = 8) -> list[Place]: ...

    def by_address_id(self, jurisdiction: Jurisdiction, address_id: str) -> Place | None: ...


def _place(row: Address, exact: bool = True) -> Place:
    return Place(row.address, row.lat, row.long, row.zipcode, row.address_id, exact)


class LocalGeocoder:
    """The offline address index."""

    def geocode(self, jurisdiction: Jurisdiction, text: str) -> Place | None:
        norm = addresses.normalize(text)
        if not norm:
            return None
        rows = Address.objects.filter(jurisdiction=jurisdiction)
        if hit := rows.filter(normalized=norm).first():
            return _place(hit)
        return self._interpolate(rows, addresses.parse(text))

    def _interpolate(self, rows, parsed: addresses.ParsedAddress) -> Place | None:
        if parsed.number is None:
            return None
        street = rows.filter(street=parsed.street)
        below = street.filter(number__lt=parsed.number).order_by("-number").first()
        above = street.filter(number__gt=parsed.number).order_by("number").first()
        if below and above and above.number - below.number <= INTERPOLATE_MAX_GAP:
            share = (parsed.number - below.number) / (above.number - below.number)
            lat = below.lat + share * (above.lat - below.lat)
            long = below.long + share * (above.long - below.long)
            text = addresses.display(f"{parsed.number} {parsed.street}")
            zipcode = below.zipcode if below.zipcode == above.zipcode else ""
            return Place(text, lat, long, zipcode, "", exact=False)
        return None

    def by_address_id(self, jurisdiction: Jurisdiction, address_id: str) -> Place | None:
        hit = Address.objects.filter(jurisdiction=jurisdiction, address_id=address_id).first()
        return _place(hit) if hit else None

    def reverse(self, jurisdiction: Jurisdiction, lat: float, long: float) -> Place | None:
        dlat = REVERSE_MAX_M / METRES_PER_DEGREE_LAT
        dlong = dlat / max(long_scale(lat), 1e-6)
        north, east = F("lat") - lat, (F("long") - long) * long_scale(lat)
        candidates = (
            Address.objects.filter(
                jurisdiction=jurisdiction,
                lat__range=(lat - dlat, lat + dlat),
                long__range=(long - dlong, long + dlong),
            )
            # Nearest first, in SQL (the flat-earth distance of geomath.long_scale): a dense block can
            # hold more addresses than we fetch, and an arbitrary page of them may miss the nearest.
            .annotate(flat_distance=ExpressionWrapper(north * north + east * east, output_field=FloatField()))
            .order_by("flat_distance")
            # Rows, not Address objects: this runs for every request filed by its point.
            .values_list("address", "lat", "long", "zipcode", "address_id")[:10]
        )
        best = min(candidates, key=lambda a: haversine_m(lat, long, a[1], a[2]), default=None)
        if best is None or haversine_m(lat, long, best[1], best[2]) > REVERSE_MAX_M:
            return None
        return Place(*best, exact=True)

    def suggest(self, jurisdiction: Jurisdiction, text: str, limit: int = 8) -> list[Place]:
        norm = addresses.normalize(text)
        if len(norm) < 2:
            return []
        rows = Address.objects.filter(jurisdiction=jurisdiction, normalized__startswith=norm)
        return [_place(a) for a in rows.order_by("normalized")[:limit]]


class NominatimGeocoder:
    """A Nominatim server (settings.NOMINATIM_URL), for cities that run or rent one."""

    timeout = 5

    def __init__(self, base_url: str):
        if not base_url:
            raise ValueError("GEOCODER=nominatim needs NOMINATIM_URL")
        self.base_url = base_url.rstrip("/")

    def _get(self, path: str, params: dict) -> object:
        url = f"{self.base_url}/{path}?{urllib.parse.urlencode({**params, 'format': 'jsonv2'})}"
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"NOMINATIM_URL must be http(s), not {self.base_url!r}")
        request = urllib.request.Request(url, headers={"User-Agent": "civic311 geocoder"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (checked above)
            return json.load(response)

    @staticmethod
    def _from_result(item: dict) -> Place:
        address = item.get("address") or {}
        return Place(
            address=item.get("display_name", ""),
            lat=float(item["lat"]),
            long=float(item["lon"]),
            zipcode=address.get("postcode", ""),
            address_id=f"{item.get('osm_type', '')}{item.get('osm_id', '')}",
        )

    def geocode(self, jurisdiction: Jurisdiction, text: str) -> Place | None:
        results = self._get("search", {"q": text, "limit": 1, "addressdetails": 1})
        return self._from_result(results[0]) if isinstance(results, list) and results else None

    def reverse(self, jurisdiction: Jurisdiction, lat: float, long: float) -> Place | None:
        result = self._get("reverse", {"lat": lat, "lon": long, "addressdetails": 1})
        return self._from_result(result) if isinstance(result, dict) and "lat" in result else None

    def by_address_id(self, jurisdiction: Jurisdiction, address_id: str) -> Place | None:
        return None  # Nominatim has no city address ids

    def suggest(self, jurisdiction: Jurisdiction, text: str, limit: int = 8) -> list[Place]:
        results = self._get("search", {"q": text, "limit": limit, "addressdetails": 1})
        return [self._from_result(r) for r in results] if isinstance(results, list) else []


def get_geocoder() -> Geocoder:
    if settings.GEOCODER == "nominatim":
        return NominatimGeocoder(settings.NOMINATIM_URL)
    if settings.GEOCODER == "local":
        return LocalGeocoder()
    raise ValueError(f"GEOCODER={settings.GEOCODER!r}: use 'local' or 'nominatim'")
