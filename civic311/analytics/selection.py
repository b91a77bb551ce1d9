"""What a reader of the figures picks on a page (the public dashboard, the staff analytics): dates in the
city's days, a group of services, a service, a department, a district, a channel. The form offers only what
the reader may pick; its choices become the shared request filter's parameters (what /data/stats.json and
the exports take), so a page's figures and the download of them are the same."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from civic311.catalog.models import Department, Jurisdiction, Service
from civic311.geo.models import District
from civic311.servicerequests.choices import Channel


class FigureFilter(forms.Form):
    """The filters of a page of figures. `services` and `departments`: what this reader may pick (the public
    ones on the dashboard; a supervisor's own department in the staff analytics)."""

    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    service_group = forms.ChoiceField(label=_("Group"), required=False)
    service = forms.ChoiceField(label=_("Type of problem"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    channel = forms.ChoiceField(label=_("Reported by"), required=False)

    def __init__(
        self,
        data: QueryDict,
        jurisdiction: Jurisdiction,
        *,
        services: QuerySet[Service],
        departments: QuerySet[Department],
    ) -> None:
        super().__init__(data)
        everything: list[tuple[str, Any]] = [("", _("All"))]
        services = services.filter(jurisdiction=jurisdiction).order_by("service_name")
        districts = District.objects.filter(jurisdiction=jurisdiction).order_by("kind", "code")
        choices: dict[str, list[tuple[str, Any]]] = {
            "service": [(s.service_code, s.service_name) for s in services],
            "service_group": [(g, g) for g in sorted({s.group for s in services if s.group})],
            "department": [
                (d.code, d.name) for d in departments.filter(jurisdiction=jurisdiction).order_by("name")
            ],
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
    """The form's choices as the shared filter's parameters: the city's days as exact instants, from the
    first day's midnight to the last day's end."""
    params = QueryDict(mutable=True)
    start: date | None = cleaned.get("start")
    end: date | None = cleaned.get("end")
    if start:
        params["start_date"] = datetime.combine(start, time.min, tzinfo=tz).isoformat()
    if end:
        last = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz) - timedelta(microseconds=1)
        params["end_date"] = last.isoformat()
    if cleaned.get("service"):
        params["service_code"] = cleaned["service"]
    for name in ("department", "district", "channel", "service_group"):
        if cleaned.get(name):
            params[name] = cleaned[name]
    return params


def narrowed_query(query: QueryDict, **narrow: str) -> str:
    """A page's own query (its filters only, no page number), narrowed to one group: a drill-down link."""
    out = QueryDict(mutable=True)
    for name in FigureFilter.base_fields:
        if value := query.get(name, "").strip():
            out[name] = value
    for name, value in narrow.items():
        out[name] = value
    return out.urlencode()


def month_days(key: str) -> tuple[str, str]:
    """'2026-03' -> ('2026-03-01', '2026-03-31')."""
    first = date.fromisoformat(f"{key}-01")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first.isoformat(), (following - timedelta(days=1)).isoformat()


def drill_query(query: QueryDict, group: str, key: str | None) -> str | None:
    """The query of the list of the requests one group counts: the page's filters and the group's."""
    if key is None:
        return None
    if group == "month":
        start, end = month_days(key)
        start = max(start, query.get("start", "") or start)
        end = min(end, query.get("end", "") or end)
        return narrowed_query(query, start=start, end=end)
    if group.startswith("district:"):
        return narrowed_query(query, district=f"{group.split(':', 1)[1]}:{key}")
    if group in FigureFilter.base_fields:
        return narrowed_query(query, **{group: key})
    return None
