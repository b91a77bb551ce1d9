"""The start page: report a problem, find a request by its number, see what is reported nearby.

Also the public ward outlines (`/districts.geojson`), the base layer of every map in the resident app
(static/portal/map.js), so maps work with no tile server (offline, tests)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET
from shapely import set_precision
from shapely.geometry import mapping, shape

from civic311.catalog.models import Jurisdiction, Service
from civic311.geo.models import District
from civic311.servicerequests.models import ServiceRequest


def map_settings() -> dict[str, str]:
    """What a template needs for a map's data attributes (data-tile-url, data-tile-attribution)."""
    return {
        "tile_url": settings.PORTAL_TILE_URL,
        "tile_attribution": settings.PORTAL_TILE_ATTRIBUTION,
    }


def home(request: HttpRequest) -> HttpResponse:
    jurisdiction = Jurisdiction.objects.default()
    context: dict[str, object] = {"jurisdiction": jurisdiction}
    if jurisdiction is not None:
        context["open_count"] = ServiceRequest.objects.public().of(jurisdiction).open().count()
        context["service_count"] = Service.objects.filter(jurisdiction=jurisdiction).offered().count()
    return render(request, "portal/home.html", context)


# Outlines for drawing, not for deciding which ward a point is in (geo.districts uses the exact shapes):
# simplified to about 10 m and rounded to 5 decimals (about 1 m), the sample city's wards shrink from
# about 1 MB to a few dozen kB, and a phone parses them without blocking the page.
OUTLINE_TOLERANCE_DEGREES = 0.0001
OUTLINE_DECIMALS = 5


def _outline(geometry: dict) -> dict:
    simplified = shape(geometry).simplify(OUTLINE_TOLERANCE_DEGREES, preserve_topology=True)
    return mapping(set_precision(simplified, 10**-OUTLINE_DECIMALS))


@require_GET
@gzip_page
def districts(request: HttpRequest) -> HttpResponse:
    """The city's ward outlines as GeoJSON: public, cacheable, the base layer of the resident maps."""
    rows = (
        District.objects.with_polygon()
        .filter(kind="ward")
        .order_by("code")
        .values_list("code", "name", "geometry")
    )
    features = [
        {"type": "Feature", "geometry": _outline(geometry), "properties": {"code": code, "name": name}}
        for code, name, geometry in rows
    ]
    response = JsonResponse({"type": "FeatureCollection", "features": features})
    response["Cache-Control"] = "public, max-age=3600"
    return response


urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    path("districts.geojson", districts, name="districts"),
]
