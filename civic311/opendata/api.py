"""The open-data API under /data/: the figures (stats.json) and the exports of the public requests (CSV,
GeoJSON, Parquet). A thin adapter: the filter is the domain's (servicerequests/filters.py, here without
the GeoReport search's 90-day window), the figures analytics', the records the domain's (records.py).
Errors are the GeoReport API's shape, `[{"code": 400, "description": "…"}]`, each problem named."""

from collections.abc import AsyncIterator, Generator, Iterator
from dataclasses import asdict
from datetime import datetime, timedelta

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import NinjaAPI, Query, Schema
from pydantic import BaseModel, Field

from civic311.analytics import answers, figures
from civic311.geo.models import District
from civic311.lib.datetimes import parse_w3c
from civic311.notify.models import SurveyResponse
from civic311.opendata import formats
from civic311.opendata.queries import BadQuery, read
from civic311.servicerequests import filters, records
from civic311.servicerequests.intake import FieldError

api = NinjaAPI(
    title="Civic311 open data",
    version="1",
    description=(
        "The figures of how the city works (stats.json) and exports of every public request (CSV, GeoJSON, "
        "Parquet), with the filters of GeoReport's GET requests but over any span of dates and without "
        "paging. Nothing private: no reporter's details, no internal note, no request of a private service."
    ),
    urls_namespace="opendata",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(BadQuery)
def _bad_query(request: HttpRequest, exc: BadQuery) -> HttpResponse:
    return JsonResponse(
        [{"code": exc.status, "description": d} for d in exc.descriptions], status=exc.status, safe=False
    )


class FilterParams(Schema):
    """The filters every open-data call takes. Empty values count as absent; lists are comma-separated."""

    jurisdiction_id: str | None = None
    service_request_id: str | None = None
    service_code: str | None = None
    service_group: str | None = None
    status: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    updated_after: str | None = None
    updated_before: str | None = None
    department: str | None = None
    agency_responsible: str | None = None
    channel: str | None = None
    district: str | None = None
    lat: str | None = None
    long: str | None = None
    radius: str | None = None
    bbox: str | None = None
    q: str | None = None


class StatsParams(FilterParams):
    group_by: str | None = None


class FiguresOut(BaseModel):
    key: str | None
    label: str
    requests: int
    open: int
    closed: int
    median_hours_to_close: float | None
    p90_hours_to_close: float | None
    closed_with_expected: int
    closed_on_time: int
    on_time_share: float | None
    reopened: int
    overdue: int
    closed_as_duplicate: int
    closed_as_referred: int
    population: int | None
    requests_per_1000_residents: float | None
    requests_url: str | None = Field(
        description="The export of exactly the requests this group counts (the same filters and the group's)"
    )


class SatisfactionOut(BaseModel):
    responses: int = Field(description="Closure survey answers about these requests")
    mean_score: float | None = Field(description="Their mean, 1 (not at all satisfied) to 5 (very)")
    by_score: dict[str, int]


class FlowOut(BaseModel):
    week: str = Field(description="The week's Monday, in the city's time")
    opened: int
    closed: int = Field(description="Requests of the set closed that week (whenever they were opened)")
    backlog: int = Field(description="Requests of the set still open at the week's end")


class StatsOut(BaseModel):
    jurisdiction_id: str
    group_by: str | None
    filters: dict[str, str]
    generated_at: str
    total: FiguresOut
    satisfaction: SatisfactionOut
    groups: list[FiguresOut]
    flow: list[FlowOut] | None = Field(description="With group_by=week: opened and closed each week")


def _filters_echo(request: HttpRequest) -> dict[str, str]:
    names = set(FilterParams.model_fields) - {"jurisdiction_id"}
    return {k: str(v) for k, v in request.GET.items() if k in names and str(v).strip()}


def _group_filter(grouping: figures.Grouping, key: str, tz) -> dict[str, str]:
    """The filter that selects one group's requests (for its drill-down link)."""
    if grouping.name in ("month", "week"):
        start = datetime.fromisoformat(key if grouping.name == "week" else f"{key}-01").replace(tzinfo=tz)
        following = (
            start + timedelta(days=7)
            if grouping.name == "week"
            else (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        )
        # end_date is inclusive: the last microsecond before the next period.
        return {
            "start_date": start.isoformat(),
            "end_date": (following.replace(tzinfo=tz) - timedelta(microseconds=1)).isoformat(),
        }
    if grouping.name == figures.DISTRICT:
        return {"district": f"{grouping.kind}:{key}"}
    return {{"service": "service_code"}.get(grouping.name, grouping.name): key}


def _drill_url(request: HttpRequest, grouping: figures.Grouping | None, key: str | None, tz) -> str | None:
    """The export of the group's requests: the call's filters narrowed to the group (a group lies inside
    the filters, so its own value replaces a list; dates take the tighter bound; districts of another kind
    are kept beside it)."""
    query = QueryDict(mutable=True)
    for name, value in request.GET.items():
        if name != "group_by" and str(value).strip():
            query[name] = str(value)
    if grouping is not None:
        if key is None:  # "not routed", "in no ward": no filter says that
            return None
        for name, value in _group_filter(grouping, key, tz).items():
            given = query.get(name, "")
            if name == "district" and given:
                kind = grouping.kind + ":"
                value = ",".join([*(d for d in given.split(",") if not d.strip().startswith(kind)), value])
            elif name in ("start_date", "end_date") and given:
                bounds = [parse_w3c(given), datetime.fromisoformat(value)]
                value = (max(bounds) if name == "start_date" else min(bounds)).isoformat()
            query[name] = value
    return f"{reverse('opendata:requests_csv')}?{query.urlencode()}".rstrip("?")


def _out(request: HttpRequest, grouping, f: figures.Figures, tz) -> "FiguresOut":
    return FiguresOut(**f.as_dict(), requests_url=_drill_url(request, grouping, f.key, tz))


@api.get(
    "/stats.json",
    response={200: StatsOut},
    tags=["figures"],
    summary="The figures of the public requests, whole and grouped",
)
def stats(request: HttpRequest, params: Query[StatsParams]):
    """Counts, time to close (median and 90th percentile, hours), share closed by the expected time, and
    reopened, for the requests the filters match, as a whole (`total`) and per group (`group_by`: service,
    service_group, department, district:KIND, channel, month, week). Exact figures."""
    errors: list[FieldError] = []
    jurisdiction, f = read(request.GET, errors)
    grouping = figures.parse_grouping(filters.get(request.GET, "group_by"), jurisdiction, errors)
    if errors:
        raise BadQuery.from_errors(errors)
    requests = filters.matching(jurisdiction, f)
    now = timezone.now()
    total, groups = answers.answer(jurisdiction, f, grouping, jurisdiction.tz, now=now)
    return StatsOut(
        jurisdiction_id=jurisdiction.jurisdiction_id,
        group_by=str(grouping) if grouping else None,
        filters=_filters_echo(request),
        generated_at=records.utc_text(now) or "",
        total=_out(request, None, total, jurisdiction.tz),
        satisfaction=SatisfactionOut(**SurveyResponse.objects.satisfaction(requests)),
        groups=[_out(request, grouping, g, jurisdiction.tz) for g in groups],
        flow=(
            [FlowOut(**asdict(w)) for w in answers.flow(jurisdiction, f, jurisdiction.tz)]
            if grouping and grouping.name == "week"
            else None
        ),
    )


def _stream(request: HttpRequest, chunks: Generator[bytes]) -> Iterator[bytes] | AsyncIterator[bytes]:
    """Under ASGI an async iterator that reads each batch on the request's own thread (a sync iterator
    there would be read whole into memory first); under WSGI the sync one."""
    if not isinstance(request, ASGIRequest):
        return chunks

    async def each() -> AsyncIterator[bytes]:
        def step() -> bytes | None:
            return next(chunks, None)

        try:
            while (chunk := await sync_to_async(step)()) is not None:
                yield chunk
        finally:
            await sync_to_async(chunks.close)()

    return each()


def _export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    errors: list[FieldError] = []
    jurisdiction, f = read(request.GET, errors)
    if errors:
        raise BadQuery.from_errors(errors)
    kinds = District.objects.kinds(jurisdiction)
    names = records.column_names(kinds)
    content_type, write = formats.FORMATS[fmt]
    chunks = write(names, records.batches(filters.matching(jurisdiction, f), kinds))
    response = StreamingHttpResponse(_stream(request, chunks), content_type=content_type)
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="{jurisdiction.jurisdiction_id}-requests-{stamp}.{fmt}"'
    )
    return response


EXPORT_DOC = (
    "Every public request the filters match (all of them when none is given), oldest first, streamed; the "
    "columns are listed on /data/."
)


@api.get("/requests.csv", tags=["exports"], summary="The public requests as CSV", description=EXPORT_DOC)
def requests_csv(request: HttpRequest, params: Query[FilterParams]):
    return _export(request, "csv")


@api.get(
    "/requests.geojson", tags=["exports"], summary="The public requests as GeoJSON", description=EXPORT_DOC
)
def requests_geojson(request: HttpRequest, params: Query[FilterParams]):
    return _export(request, "geojson")


@api.get(
    "/requests.parquet", tags=["exports"], summary="The public requests as Parquet", description=EXPORT_DOC
)
def requests_parquet(request: HttpRequest, params: Query[FilterParams]):
    return _export(request, "parquet")
