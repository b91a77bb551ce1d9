"""Where things are: district polygons (wards, precincts …) and the offline address index."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from civic311.catalog.models import Jurisdiction

# The geometry of a district known only by its code: a city's records name it (Boston's rows carry their
# ward) but no polygon was imported. Valid GeoJSON (an empty MultiPolygon); it contains no point, so the
# index (geo/districts.py) and the maps skip it, and a request is linked to it only by its code.
NO_POLYGON: dict = {"type": "MultiPolygon", "coordinates": []}


def has_polygon(geometry: object) -> bool:
    """Whether a district's stored geometry has any area to draw or to look points up in."""
    return isinstance(geometry, dict) and bool(geometry.get("coordinates"))


class DistrictQuerySet(models.QuerySet["District"]):
    def with_polygon(self) -> "DistrictQuerySet":
        """Districts with a polygon: what maps draw (those known only by their code have nothing to draw)."""
        return self.exclude(geometry=NO_POLYGON)

    def kinds(self, jurisdiction: Jurisdiction) -> list[str]:
        """The kinds of district the jurisdiction has (ward, police …), sorted."""
        return sorted(set(self.filter(jurisdiction=jurisdiction).values_list("kind", flat=True)))


class District(models.Model):
    """A polygon of some kind (ward, community area, police district …) a request can lie in; or, with
    NO_POLYGON, a district known only by the code a city's records give (requests linked by that code)."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="districts")
    kind = models.SlugField(max_length=40, help_text=_("e.g. ward"))
    code = models.CharField(max_length=40, help_text=_("e.g. 42"))
    name = models.CharField(max_length=200)
    geometry = models.JSONField(help_text=_("GeoJSON Polygon or MultiPolygon, WGS84 longitude/latitude"))
    population = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Residents, for requests per 1,000 residents in the figures")
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = DistrictQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "kind", "code"], name="district_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Address(models.Model):
    """One known address with its coordinates: the offline geocoder's index."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE, related_name="addresses")
    address = models.CharField(max_length=300, help_text=_("As shown, e.g. 2111 W Lexington St"))
    # Upper-case, abbreviations unified (see geo.addresses.normalize); what lookups compare.
    normalized = models.CharField(max_length=300)
    # The street part of `normalized` without the house number, for interpolation along a street.
    street = models.CharField(max_length=200)
    number = models.IntegerField(null=True)
    zipcode = models.CharField(max_length=12, blank=True)
    address_id = models.CharField(max_length=64, blank=True)
    lat = models.FloatField()
    long = models.FloatField()

    class Meta:
        indexes = [
            # geocode(): exact match, then prefix match for autocomplete
            models.Index(fields=["jurisdiction", "normalized"], name="address_normalized_idx"),
            # geocode(): interpolate between the nearest numbers on the same street
            models.Index(fields=["jurisdiction", "street", "number"], name="address_street_idx"),
            # by_address_id(): POST requests with address_id
            models.Index(fields=["jurisdiction", "address_id"], name="address_id_idx"),
            # reverse(): nearest address inside a small latitude band
            models.Index(fields=["jurisdiction", "lat"], name="address_lat_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "normalized"], name="address_unique"),
        ]
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return self.address
