"""Requests around a place (/around/): a list and a map of the public requests within a radius of an
address or a point, filtered by service, status and dates."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from civic311.catalog import jurisdictions
from civic311.catalog.models import Jurisdiction, Service
from civic311.geo.geocoder import get_geocoder
from civic311.portal import community
from civic311.portal.forms import TEXT_FIELD_MAX
from civic311.servicerequests.choices import CLOSED, OPEN
from civic311.servicerequests.intake import CONTROL_CHARS
from civic311.servicerequests.models import ServiceRequest

AROUND_RADII = (250, 500, 1000, 2000, 5000, 10000)  # metres offered on /around/


AROUND_DEFAULT_RADIUS = 1000


AROUND_PAGE_SIZE = 20


AROUND_MAX_POINTS = 500  # points on the map at most (the list pages through all)


@dataclass
class AroundQuery:
    lat: float
    long: float
    radius: int
    place: str  # the address searched for, or ""
    service: Service | None
    status: str  # "", "open" or "closed"
    start: date | None
    end: date | None


def _parse_date(raw: str, label: str, errors: dict[str, str], name: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = _("%(label)s must be a date like 2026-05-31.") % {"label": label}
        return None


def _parse_around(
    request: HttpRequest, jurisdiction: Jurisdiction
) -> tuple[AroundQuery | None, dict[str, str]]:
    """The filters of /around/ and its points, checked; (None, errors) when something is wrong."""
    get = request.GET
    errors: dict[str, str] = {}
    lat = long = None
    if any(CONTROL_CHARS.search(str(value)) for value in get.values()):
        return None, {"form": _("The search contains characters that cannot be used.")}
    place = get.get("place", "").strip()
    raw_lat, raw_long = get.get("lat", "").strip(), get.get("long", "").strip()
    if raw_lat or raw_long:
        try:
            lat, long = float(raw_lat), float(raw_long)
            if not (-90 <= lat <= 90 and -180 <= long <= 180) or lat != lat or long != long:
                raise ValueError
        except ValueError:
            errors["location"] = _(
                "The coordinates are not valid: latitude -90 to 90, longitude -180 to 180."
            )
            lat = long = None
    elif place:
        if len(place) > TEXT_FIELD_MAX:
            errors["place"] = _("This address is too long.")
        else:
            found = get_geocoder().geocode(jurisdiction, place)
            if found is None:
                errors["place"] = _("We could not find this address. Check it, or try a nearby one.")
            else:
                lat, long = found.lat, found.long
    if lat is None and "location" not in errors and "place" not in errors:
        centre = community.city_centre(jurisdiction)
        if centre is None:
            errors["location"] = _("Give an address to search around.")
        else:
            lat, long = centre
    radius = AROUND_DEFAULT_RADIUS
    if raw_radius := get.get("radius", "").strip():
        try:
            radius = int(raw_radius)
        except ValueError:
            radius = -1
        if radius not in AROUND_RADII:
            errors["radius"] = _("Choose one of the distances offered.")
    service = None
    if code := get.get("service", "").strip():
        service = Service.objects.filter(
            jurisdiction=jurisdiction, service_code=code[:100], private=False
        ).first()
        if service is None:
            errors["service"] = _("There is no such type of problem.")
    status = get.get("status", "").strip()
    if status not in ("", OPEN, CLOSED):
        errors["status"] = _("Choose open, closed or all.")
    start = _parse_date(get.get("start", ""), _("From"), errors, "start")
    end = _parse_date(get.get("end", ""), _("To"), errors, "end")
    if start and end and start > end:
        errors["end"] = _("The end date is before the start date.")
    if errors:
        return None, errors
    assert lat is not None and long is not None
    return AroundQuery(lat, long, radius, place, service, status, start, end), errors


def _around_requests(jurisdiction: Jurisdiction, q: AroundQuery):
    qs = ServiceRequest.objects.public().of(jurisdiction).near(q.lat, q.long, q.radius)
    if q.service is not None:
        qs = qs.filter(service=q.service)
    if q.status:
        qs = qs.filter(status=q.status)
    tz = jurisdiction.tz
    if q.start:
        qs = qs.filter(requested_datetime__gte=datetime.combine(q.start, time.min, tzinfo=tz))
    if q.end:
        qs = qs.filter(
            requested_datetime__lt=datetime.combine(q.end + timedelta(days=1), time.min, tzinfo=tz)
        )
    return qs.select_related("service").order_by("-requested_datetime", "-pk")


def _within(jurisdiction: Jurisdiction, q: AroundQuery) -> list[ServiceRequest]:
    """The requests inside the circle, newest first."""
    qs = _around_requests(jurisdiction, q)
    fields = ("pk", "service_request_id", "service__service_name", "service__translations", "status",
              "status_code", "requested_datetime", "address", "lat", "long")  # fmt: skip
    return list(qs.only(*fields))


@require_GET
def around(request: HttpRequest) -> HttpResponse:
    jurisdiction = jurisdictions.default_or_404()
    q, errors = _parse_around(request, jurisdiction)
    services = [
        (s.service_code, s.translated("service_name"))
        for s in Service.objects.filter(jurisdiction=jurisdiction, private=False).order_by("service_name")
    ]
    context: dict[str, Any] = {
        "jurisdiction": jurisdiction,
        "values": request.GET,
        "errors": errors,
        "services": services,
        "radii": AROUND_RADII,
        "radius": str(q.radius if q else AROUND_DEFAULT_RADIUS),
        "tile_url": settings.PORTAL_TILE_URL,
        "tile_attribution": settings.PORTAL_TILE_ATTRIBUTION,
    }
    if q is None:
        return render(request, "portal/around.html", context, status=400)
    found = _within(jurisdiction, q)
    page = Paginator(found, AROUND_PAGE_SIZE).get_page(request.GET.get("page"))
    tz = jurisdiction.tz
    items = [
        {
            "number": sr.service_request_id,
            "service": sr.service.translated("service_name"),
            "status_label": sr.get_status_code_display(),
            "open": sr.status == OPEN,
            "requested": timezone.localtime(sr.requested_datetime, tz),
            "address": sr.address,
        }
        for sr in page.object_list
    ]
    params = {k: v for k, v in request.GET.items() if k != "page" and v}
    context.update(
        query=q,
        page=page,
        items=items,
        total=len(found),
        page_query=urlencode(params),
        points_url=reverse("portal:around_points") + ("?" + urlencode(params) if params else ""),
    )
    return render(request, "portal/around.html", context)


@require_GET
def around_points(request: HttpRequest) -> HttpResponse:
    """The same requests as /around/ as GeoJSON points, for the map (newest first, at most 500)."""
    jurisdiction = jurisdictions.default_or_404()
    q, errors = _parse_around(request, jurisdiction)
    if q is None:
        return JsonResponse({"errors": errors}, status=400)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [sr.long, sr.lat]},
            "properties": {
                "number": sr.service_request_id,
                "service": sr.service.translated("service_name"),
                "status": sr.status,
                "status_label": str(sr.get_status_code_display()),
                "url": reverse("portal:track", args=[sr.service_request_id]),
            },
        }
        for sr in _within(jurisdiction, q)[:AROUND_MAX_POINTS]
    ]
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "centre": [q.long, q.lat],
            "radius": q.radius,
            "features": features,
        },
        content_type="application/geo+json",
    )


urlpatterns: list[URLPattern] = [
    path("around/", around, name="around"),
    path("around/points.geojson", around_points, name="around_points"),
]
