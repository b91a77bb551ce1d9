"""The public dashboard (/dashboard/) and the list of the requests behind any of its figures
(/dashboard/requests/). Its filters (dates in the city's days, service, department, district, channel) live
in the URL so a view can be shared; they become the shared request filter (servicerequests/filters.py), and
the figures are analytics', the same functions /data/stats.json answers with: the page and the download
say the same numbers."""

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from civic311.analytics import answers, figures, selection
from civic311.catalog.jurisdictions import default_or_404
from civic311.catalog.models import Department, Jurisdiction, Service
from civic311.geo.models import District
from civic311.notify.models import SurveyResponse
from civic311.servicerequests import filters
from civic311.servicerequests.intake import FieldError

TOP_SERVICES = 15
LIST_PAGE_SIZE = 50
MAP_DISTRICT_KIND = "ward"


@dataclass
class Selection:
    """What a dashboard URL asks for: the form (with its errors), and the requests it selects."""

    form: selection.FigureFilter
    params: QueryDict  # the shared filter's parameters
    requests: Any  # QuerySet[ServiceRequest], or None when the form has errors
    filter: filters.RequestFilter | None = None


def _select(request: HttpRequest, jurisdiction: Jurisdiction) -> Selection:
    form = selection.FigureFilter(
        request.GET, jurisdiction, services=Service.objects.public(), departments=Department.objects.all()
    )
    if not form.is_valid():
        return Selection(form, QueryDict(), None)
    params = selection.filter_params(form.cleaned_data, jurisdiction.tz)
    errors: list[FieldError] = []
    f = filters.read_filter(params, filters.RequestFilter(), errors, max_span=None, jurisdiction=jurisdiction)
    if errors:  # the form offers only what exists, so this is a hand-made URL
        form.add_error(None, "; ".join(str(e) for e in errors))
        return Selection(form, params, None)
    return Selection(form, params, filters.matching(jurisdiction, f), f)


def _drill(request: HttpRequest, group: str, key: str | None) -> str | None:
    """The list of the requests a group counts: this page's filters and the group's."""
    query = selection.drill_query(request.GET, group, key)
    return None if query is None else f"{reverse('dashboard:requests')}?{query}"


def _rows(request: HttpRequest, group: str, groups: list[figures.Figures]) -> list[dict]:
    most = max((g.requests for g in groups), default=0)
    return [
        {
            "figures": g,
            "share": round(100 * g.requests / most) if most else 0,
            "url": _drill(request, group, g.key),
        }
        for g in groups
    ]


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    jurisdiction = default_or_404()
    chosen = _select(request, jurisdiction)
    context: dict[str, Any] = {"jurisdiction": jurisdiction, "form": chosen.form}
    if chosen.requests is not None:
        context |= _figures_context(request, jurisdiction, chosen)
    return render(
        request, "opendata/dashboard.html", context, status=200 if chosen.requests is not None else 400
    )


def _figures_context(request: HttpRequest, jurisdiction: Jurisdiction, chosen: Selection) -> dict[str, Any]:
    tz, now, qs, f = jurisdiction.tz, timezone.now(), chosen.requests, chosen.filter
    assert f is not None
    # From the rollups where they can say it (analytics/answers.py), as /data/stats.json answers.
    total = answers.answer(jurisdiction, f, None, tz, now=now)[0]

    def by(name: str) -> list[figures.Figures]:
        grouping = figures.parse_grouping(name, jurisdiction, [])
        return answers.answer(jurisdiction, f, grouping, tz, now=now)[1] if grouping else []

    services = sorted(by("service"), key=lambda g: -g.requests)
    wards = (
        by(f"district:{MAP_DISTRICT_KIND}")
        if MAP_DISTRICT_KIND in District.objects.kinds(jurisdiction)
        else []
    )
    months = by("month")
    weeks = answers.flow(jurisdiction, f, tz)
    params = chosen.params.urlencode()
    return {
        "total": total,
        "satisfaction": SurveyResponse.objects.satisfaction(qs),
        "services": _rows(request, "service", services[:TOP_SERVICES]),
        "more_services": max(0, len(services) - TOP_SERVICES),
        "service_groups": _rows(request, "service_group", by("service_group")),
        "departments": _rows(request, "department", by("department")),
        "channels": _rows(request, "channel", by("channel")),
        "wards": _rows(request, "district:ward", wards),
        "months": _rows(request, "month", months),
        "weeks": weeks,
        "chart_data": {
            "months": [
                {
                    "key": m.key,
                    "requests": m.requests,
                    "median_days": _days(m.median_hours_to_close),
                    "p90_days": _days(m.p90_hours_to_close),
                    "on_time": m.on_time_share,
                }
                for m in months
            ],
            "weeks": [
                {"week": w.week, "opened": w.opened, "closed": w.closed, "backlog": w.backlog} for w in weeks
            ],
            "wards": {
                w.key: {
                    "requests": w.requests,
                    "per_1000": w.requests_per_1000_residents,
                    "median_days": _days(w.median_hours_to_close),
                    "on_time": w.on_time_share,
                }
                for w in wards
                if w.key is not None
            },
        },
        "all_url": f"{reverse('dashboard:requests')}?{selection.narrowed_query(request.GET)}".rstrip("?"),
        "stats_url": f"{reverse('opendata:stats')}?{params}".rstrip("?"),
        "stats_by_service_url": f"{reverse('opendata:stats')}?{params}{'&' * bool(params)}group_by=service",
        "csv_url": f"{reverse('opendata:requests_csv')}?{params}".rstrip("?"),
        "generated_at": now,
    }


def _days(hours: float | None) -> float | None:
    return None if hours is None else round(hours / 24, 2)


@require_GET
def requests_list(request: HttpRequest) -> HttpResponse:
    """The requests behind a figure: exactly those the dashboard's filters (and the group's) select."""
    jurisdiction = default_or_404()
    chosen = _select(request, jurisdiction)
    context: dict[str, Any] = {"jurisdiction": jurisdiction, "form": chosen.form}
    status = 400
    if chosen.requests is not None:
        status = 200
        qs = chosen.requests.select_related("service").order_by("-requested_datetime", "-pk")
        page = Paginator(qs, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
        params = chosen.params.urlencode()
        query = selection.narrowed_query(request.GET)
        context |= {
            "page": page,
            "count": page.paginator.count,
            "query": query,
            "dashboard_url": f"{reverse('dashboard:dashboard')}?{query}".rstrip("?"),
            "csv_url": f"{reverse('opendata:requests_csv')}?{params}".rstrip("?"),
        }
    return render(request, "opendata/dashboard_requests.html", context, status=status)
