"""Staff analytics (/staff/analytics/): the figures of the dashboard over what this member of staff may
see (private services, internal statuses included), by team and person too, with the oldest open
requests, the service levels missed and where requests bounce between departments; every table also as
CSV (?table=NAME&format=csv). Supervisors see their department's (and triage), administrators all;
the scope is the queue's (accounts.permissions.visible_requests)."""

import csv
import io
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from civic311.accounts.choices import Capability
from civic311.accounts.permissions import can, profile_of, visible_requests
from civic311.analytics import figures, selection, workload
from civic311.catalog.jurisdictions import default_or_404
from civic311.catalog.models import Department, Jurisdiction, Service
from civic311.console.access import staff_required
from civic311.geo.models import District
from civic311.servicerequests import filters
from civic311.servicerequests.intake import FieldError

FIGURE_TABLES = {
    # name: (grouping, title, first column)
    "services": ("service", "By service", "Service"),
    "departments": ("department", "By department", "Department"),
    "teams": ("team", "Workload by team", "Team"),
    "assignees": ("assignee", "Workload by person", "Assigned to"),
    "channels": ("channel", "By channel", "Channel"),
    "wards": ("district:ward", "By ward", "Ward"),
    "months": ("month", "By month reported", "Month"),
}
LIST_PAGE_SIZE = 50


@dataclass
class Scope:
    jurisdiction: Jurisdiction
    form: selection.FigureFilter
    requests: Any  # the QuerySet of the requests in scope and in the filters; None when the form has errors


def _scope(request: HttpRequest) -> Scope:
    jurisdiction = default_or_404()
    departments = Department.objects.all()
    profile = profile_of(request.user)
    if not can(request.user, Capability.VIEW_ALL_DEPARTMENTS) and profile is not None:
        departments = departments.filter(pk__in=[profile.department_id])
    form = selection.FigureFilter(
        request.GET, jurisdiction, services=Service.objects.all(), departments=departments
    )
    if not form.is_valid():
        return Scope(jurisdiction, form, None)
    params = selection.filter_params(form.cleaned_data, jurisdiction.tz)
    errors: list[FieldError] = []
    f = filters.read_filter(params, filters.RequestFilter(), errors, max_span=None, jurisdiction=jurisdiction)
    if errors:
        form.add_error(None, "; ".join(str(e) for e in errors))
        return Scope(jurisdiction, form, None)
    return Scope(jurisdiction, form, filters.matching(jurisdiction, f, among=visible_requests(request.user)))


def _figure_rows(request: HttpRequest, scope: Scope, name: str, now) -> list[dict]:
    grouping_name = FIGURE_TABLES[name][0]
    if grouping_name.startswith("district:") and "ward" not in District.objects.kinds(scope.jurisdiction):
        return []
    grouping = figures.parse_grouping(grouping_name, scope.jurisdiction, [], staff=True)
    assert grouping is not None
    groups = figures.grouped(scope.requests, grouping, scope.jurisdiction.tz, now=now)
    if name in ("teams", "assignees"):
        groups.sort(key=lambda g: (-g.open, g.label))
    most = max((g.requests for g in groups), default=0)
    base = reverse("console:analytics_requests")
    rows = []
    for g in groups:
        query = selection.drill_query(request.GET, grouping_name, g.key)
        rows.append(
            {
                "figures": g,
                "share": round(100 * g.requests / most) if most else 0,
                "url": f"{base}?{query}" if query is not None else None,
            }
        )
    return rows


def _csv(name: str, header: list[str], rows: list[list[Any]]) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="analytics-{name}-{timezone.now():%Y%m%d}.csv"'
    return response


FIGURE_COLUMNS = [
    "key", "label", "requests", "open", "closed", "median_hours_to_close", "p90_hours_to_close",
    "closed_with_expected", "closed_on_time", "on_time_share", "reopened", "overdue", "closed_as_duplicate",
    "closed_as_referred",
]  # fmt: skip


def _oldest_row(sr, tz) -> list[Any]:
    return [
        sr.service_request_id,
        sr.service.service_name,
        sr.department.name if sr.department else "",
        sr.team.name if sr.team else "",
        sr.assignee.get_username() if sr.assignee else "",
        sr.status_code,
        sr.requested_datetime.astimezone(tz).isoformat(),
        sr.expected_datetime.astimezone(tz).isoformat() if sr.expected_datetime else "",
    ]


def _table_csv(request: HttpRequest, scope: Scope, name: str, now) -> HttpResponse:
    if name in FIGURE_TABLES:
        rows = [
            [asdict(r["figures"])[c] for c in FIGURE_COLUMNS] for r in _figure_rows(request, scope, name, now)
        ]
        return _csv(name, FIGURE_COLUMNS, rows)
    tz = scope.jurisdiction.tz
    builders: dict[str, Callable[[], tuple[list[str], list[list[Any]]]]] = {
        "oldest": lambda: (
            ["number", "service", "department", "team", "assignee", "status", "requested", "expected"],
            [_oldest_row(sr, tz) for sr in workload.oldest_open(scope.requests)],
        ),
        "breaches": lambda: (
            ["service_level", "hours", "with_target", "closed_late", "open_late", "breached_share"],
            [
                [b.label, b.hours, b.with_target, b.closed_late, b.open_late, b.share]
                for b in workload.sla_breaches(scope.requests, now)
            ],
        ),
        "reroutes": lambda: (
            ["from_department", "to_department", "times"],
            [[r.from_department, r.to_department, r.times] for r in workload.reroutes(scope.requests)[0]],
        ),
    }
    if name not in builders:
        raise Http404(f"There is no table {name[:40]}")
    header, rows = builders[name]()
    return _csv(name, header, rows)


@staff_required(Capability.VIEW_ANALYTICS)
def analytics_page(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    now = timezone.now()
    context: dict[str, Any] = {"form": scope.form, "jurisdiction": scope.jurisdiction}
    if scope.requests is None:
        return render(request, "console/analytics.html", context, status=400)
    if request.GET.get("format") == "csv":
        return _table_csv(request, scope, request.GET.get("table", ""), now)
    reroutes, bounced = workload.reroutes(scope.requests)
    query = selection.narrowed_query(request.GET)
    context |= {
        "total": figures.total(scope.requests, now=now),
        "tables": [
            {
                "name": name,
                "title": title,
                "heading": heading,
                "rows": _figure_rows(request, scope, name, now),
            }
            for name, (_grouping, title, heading) in FIGURE_TABLES.items()
        ],
        "oldest": workload.oldest_open(scope.requests),
        "breaches": workload.sla_breaches(scope.requests, now),
        "reroutes": reroutes,
        "bounced": bounced,
        "csv_query": f"{query}&" if query else "",
        "list_url": f"{reverse('console:analytics_requests')}?{query}".rstrip("?"),
    }
    return render(request, "console/analytics.html", context)


@staff_required(Capability.VIEW_ANALYTICS)
def analytics_requests(request: HttpRequest) -> HttpResponse:
    """The requests behind a staff figure, in scope, each linked to its page in the console."""
    scope = _scope(request)
    context: dict[str, Any] = {"form": scope.form}
    if scope.requests is None:
        return render(request, "console/analytics_requests.html", context, status=400)
    qs = scope.requests.select_related("service", "department", "assignee").order_by(
        "-requested_datetime", "-pk"
    )
    page = Paginator(qs, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = selection.narrowed_query(request.GET)
    context |= {"page": page, "count": page.paginator.count, "query": query}
    return render(request, "console/analytics_requests.html", context)
