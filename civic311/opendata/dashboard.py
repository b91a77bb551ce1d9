"""The public dashboard (/dashboard/) and the list of the requests behind any of its figures
(/dashboard/requests/). Its filters (dates in the city's days, service, department, district, channel) live
in the URL so a view can be shared; they become the shared request filter (servicerequests/filters.py), and
the figures are analytics', the same functions /data/stats.json answers with: the page and the download
say the same numbers."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from civic311.analytics import figures
from civic311.catalog.jurisdictions import default_or_404
from civic311.catalog.models import Department, Jurisdiction, Service
from civic311.geo.models import District
from civic311.notify.models import SurveyResponse
from civic311.servicerequests import filters
from civic311.servicerequests.choices import Channel
from civic311.servicerequests.intake import FieldError

TOP_SERVICES = 15
LIST_PAGE_SIZE = 50
MAP_DISTRICT_KIND = "ward"


class DashboardFilter(forms.Form):
    """The dashboard's filters, as a resident picks them."""

    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    service_group = forms.ChoiceField(label=_("Group"), required=False)
    service = forms.ChoiceField(label=_("Type of problem"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    channel = forms.ChoiceField(label=_("Reported by"), required=False)

    def __init__(self, data: QueryDict, jurisdiction: Jurisdiction) -> None:
        super().__init__(data)
        everything = [("", _("All"))]
        services = Service.objects.public().filter(jurisdiction=jurisdiction).order_by("service_name")
        departments = Department.objects.filter(jurisdiction=jurisdiction).order_by("name")
        districts = District.objects.filter(jurisdiction=jurisdiction).order_by("kind", "code")
        choices = {
            "service": [(s.service_code, s.service_name) for s in services],
            "service_group": [(g, g) for g in sorted({s.group for s in services if s.group})],
            "department": [(d.code, d.name) for d in departments],
            "district": sorted(
                ((f"{d.kind}:{d.code}", d.name) for d in districts), key=lambda c: _natural_district(c[0])
            ),
            "channel": list(Channel.choices),
        }
        for name, offered in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = everything + offered

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end date is before the start date."))
        return cleaned


def _natural_district(value: str) -> tuple[str, int, str]:
    kind, _sep, code = value.partition(":")
    return (kind, int(code), "") if code.isdigit() else (kind, 1 << 30, code)


def filter_params(cleaned: dict[str, Any], tz) -> QueryDict:
    """The form's choices as the shared filter's parameters (what stats.json and the exports take): the
    city's days as exact instants, from the first day's midnight to the last day's end."""
    params = QueryDict(mutable=True)
    start: date | None = cleaned.get("start")
    end: date | None = cleaned.get("end")
    if start:
        params["start_date"] = datetime.combine(start, time.min, tzinfo=tz).isoformat()
    if end:
        last = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz) - timedelta(microseconds=1)
        params["end_date"] = last.isoformat()
    for name, param in (("service", "service_code"), ("department", "department")):
        if cleaned.get(name):
            params[param] = cleaned[name]
    for name in ("district", "channel", "service_group"):
        if cleaned.get(name):
            params[name] = cleaned[name]
    return params


@dataclass
class Selection:
    """What a dashboard URL asks for: the form (with its errors), and the requests it selects."""

    form: DashboardFilter
    params: QueryDict  # the shared filter's parameters
    requests: Any  # QuerySet[ServiceRequest], or None when the form has errors


def _select(request: HttpRequest, jurisdiction: Jurisdiction) -> Selection:
    form = DashboardFilter(request.GET, jurisdiction)
    if not form.is_valid():
        return Selection(form, QueryDict(), None)
    params = filter_params(form.cleaned_data, jurisdiction.tz)
    errors: list[FieldError] = []
    f = filters.read_filter(params, filters.RequestFilter(), errors, max_span=None, jurisdiction=jurisdiction)
    if errors:  # the form offers only what exists, so this is a hand-made URL
        form.add_error(None, "; ".join(str(e) for e in errors))
        return Selection(form, params, None)
    return Selection(form, params, filters.matching(jurisdiction, f))


def _form_query(request: HttpRequest, **narrow: str) -> str:
    """This page's own query narrowed to one group (the drill-down link's)."""
    query = QueryDict(mutable=True)
    for name in DashboardFilter.base_fields:
        if value := request.GET.get(name, "").strip():
            query[name] = value
    for name, value in narrow.items():
        query[name] = value
    return query.urlencode()


def _month_range(key: str) -> tuple[str, str]:
    first = date.fromisoformat(f"{key}-01")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first.isoformat(), (following - timedelta(days=1)).isoformat()


def _drill(request: HttpRequest, group: str, key: str | None) -> str | None:
    """The list of the requests a group counts: this page's filters and the group's."""
    if key is None:
        return None
    base = reverse("dashboard:requests")
    if group == "month":
        start, end = _month_range(key)
        start = max(start, request.GET.get("start", "") or start)
        end = min(end, request.GET.get("end", "") or end)
        return f"{base}?{_form_query(request, start=start, end=end)}"
    name = {"district:ward": "district"}.get(group, group)
    value = f"{MAP_DISTRICT_KIND}:{key}" if group == "district:ward" else key
    return f"{base}?{_form_query(request, **{name: value})}"


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
    selection = _select(request, jurisdiction)
    context: dict[str, Any] = {"jurisdiction": jurisdiction, "form": selection.form}
    if selection.requests is not None:
        context |= _figures_context(request, jurisdiction, selection)
    return render(
        request, "opendata/dashboard.html", context, status=200 if selection.requests is not None else 400
    )


def _figures_context(
    request: HttpRequest, jurisdiction: Jurisdiction, selection: Selection
) -> dict[str, Any]:
    tz, now, qs = jurisdiction.tz, timezone.now(), selection.requests
    total = figures.total(qs, now=now)

    def by(name: str) -> list[figures.Figures]:
        grouping = figures.parse_grouping(name, jurisdiction, [])
        return figures.grouped(qs, grouping, tz, now=now) if grouping else []

    services = sorted(by("service"), key=lambda g: -g.requests)
    wards = (
        by(f"district:{MAP_DISTRICT_KIND}")
        if MAP_DISTRICT_KIND in District.objects.kinds(jurisdiction)
        else []
    )
    months = by("month")
    weeks = figures.flow(qs, tz)
    params = selection.params.urlencode()
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
        "all_url": f"{reverse('dashboard:requests')}?{_form_query(request)}".rstrip("?"),
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
    selection = _select(request, jurisdiction)
    context: dict[str, Any] = {"jurisdiction": jurisdiction, "form": selection.form}
    status = 400
    if selection.requests is not None:
        status = 200
        qs = selection.requests.select_related("service").order_by("-requested_datetime", "-pk")
        page = Paginator(qs, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
        params = selection.params.urlencode()
        context |= {
            "page": page,
            "count": page.paginator.count,
            "query": _form_query(request),
            "dashboard_url": f"{reverse('dashboard:dashboard')}?{_form_query(request)}".rstrip("?"),
            "csv_url": f"{reverse('opendata:requests_csv')}?{params}".rstrip("?"),
        }
    return render(request, "opendata/dashboard_requests.html", context, status=status)
