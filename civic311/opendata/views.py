"""The /data/ page (what there is to download and what each column means) and the snapshot files."""

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from civic311.analytics.figures import PLAIN_GROUPINGS
from civic311.catalog.jurisdictions import default_or_404
from civic311.geo.models import District
from civic311.opendata import snapshots
from civic311.servicerequests import records


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    jurisdiction = default_or_404()
    kinds = District.objects.kinds(jurisdiction)
    return render(
        request,
        "opendata/index.html",
        {
            "jurisdiction": jurisdiction,
            "columns": records.COLUMNS,
            "district_column": records.DISTRICT_COLUMN,
            "district_kinds": kinds,
            "groupings": [*PLAIN_GROUPINGS, *(f"district:{k}" for k in kinds)],
            "snapshots": snapshots.listed(),
            "snapshot_days": snapshots.SNAPSHOT_DAYS,
        },
    )


@require_GET
def snapshot(request: HttpRequest, name: str) -> FileResponse:
    found = snapshots.find(name)
    if found is None:
        raise Http404("No such snapshot")
    content_type = "text/csv; charset=utf-8" if found.fmt == "csv" else "application/vnd.apache.parquet"
    return FileResponse(
        found.path.open("rb"), as_attachment=True, filename=found.name, content_type=content_type
    )
