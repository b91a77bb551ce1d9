"""The queue: what is routed to me and my department, filtered, sorted, counted, on a list or a map."""

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from civic311.accounts.permissions import profile_of
from civic311.catalog.models import Department, Service
from civic311.console import queue
from civic311.console.access import staff_required
from civic311.geo.models import District
from civic311.routing.models import Team
from civic311.servicerequests.choices import Channel, Priority

MAP_LIMIT = 2000


def _choices(user) -> dict:
    profile = profile_of(user)
    departments = Department.objects.all()
    teams = Team.objects.filter(active=True).select_related("department")
    if profile and profile.department_id and not profile.can("view_all_departments"):
        departments = departments.filter(pk=profile.department_id)
        teams = teams.filter(department_id=profile.department_id)
    return {
        "states": queue.STATE_CHOICES,
        "services": Service.objects.only("pk", "service_name", "group").order_by("service_name"),
        "districts": District.objects.only("pk", "name", "kind").order_by("kind", "name"),
        "departments": departments.only("pk", "name"),
        "teams": teams,
        "assignees": get_user_model()
        .objects.filter(is_active=True, staff__isnull=False)
        .order_by("username"),
        "channels": Channel.choices,
        "priorities": Priority.choices,
        "sorts": [
            ("oldest", "Oldest first"),
            ("newest", "Newest first"),
            ("due", "Due soonest"),
            ("priority", "Highest priority"),
            ("updated", "Recently updated"),
        ],
    }


@staff_required()
def queue_page(request: HttpRequest) -> HttpResponse:
    f = queue.parse(request.GET)
    now = timezone.now()
    selection = queue.select(request.user, f, now)
    rows = queue.page_of(selection, f)
    context = {
        "f": f,
        # Links keep the selection: the facets drop the quick filters they set, the pager the page.
        "base_query": f.as_query(page=1, overdue="", assignee="", triage=""),
        "page_query": f.as_query(page=1),
        "rows": rows[: queue.PAGE_SIZE],
        "has_next": len(rows) > queue.PAGE_SIZE,
        "facets": queue.facets(request.user, f, now),
        "now": now,
        "profile": profile_of(request.user),
        **_choices(request.user),
    }
    template = (
        "console/partials/queue_table.html" if request.headers.get("HX-Request") else "console/queue.html"
    )
    return render(request, template, context)


@staff_required()
def queue_geojson(request: HttpRequest) -> JsonResponse:
    """The same selection as points, for the map view (the first MAP_LIMIT of them)."""
    f = queue.parse(request.GET)
    selection = queue.select(request.user, f).filter(lat__isnull=False)
    rows = selection.values_list("service_request_id", "lat", "long", "status_code", "service__service_name")
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [long, lat]},
            "properties": {"id": number, "status": status, "service": name},
        }
        for number, lat, long, status, name in rows[:MAP_LIMIT]
    ]
    return JsonResponse(
        {"type": "FeatureCollection", "features": features, "truncated": len(features) == MAP_LIMIT}
    )


@staff_required()
def districts_geojson(request: HttpRequest) -> HttpResponse:
    """Ward outlines: the map's base layer, so maps work with no tile server (offline, tests)."""
    kind = request.GET.get("kind", "ward")
    districts = District.objects.with_polygon().filter(kind=kind).values_list("code", "name", "geometry")
    features = [
        {"type": "Feature", "geometry": geometry, "properties": {"code": code, "name": name}}
        for code, name, geometry in districts
    ]
    response = JsonResponse({"type": "FeatureCollection", "features": features})
    response["Cache-Control"] = "private, max-age=3600"
    return response
