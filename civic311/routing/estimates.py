"""Honest estimates: beside the SLA's expected date, what actually happens to requests like this one. For
each service, the median and 90th percentile time to close of its requests done (fixed or closed, not
duplicates or referrals) in the last twelve months, city-wide and in each ward with enough of them; where
there were too few, no figure, and the words say so. The worker refreshes them daily (refresh); every
channel reads them through for_request, and words them through plain.typical_time."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from civic311.catalog.models import Jurisdiction, Service
from civic311.lib import versioned
from civic311.lib.aggregates import HoursBetween, Percentile
from civic311.routing.models import Estimate
from civic311.servicerequests.choices import Status
from civic311.servicerequests.models import ServiceRequest

WINDOW = timedelta(days=365)
MIN_REQUESTS = 20  # fewer done in the window: too few to say
DISTRICT_KIND = "ward"  # estimates per district of this kind where it has MIN_REQUESTS of its own
DONE = (Status.FIXED, Status.CLOSED)


@dataclass(frozen=True)
class Typical:
    """An estimate as channels read it. median/p90 in hours, None when there were too few."""

    median_hours: float | None
    p90_hours: float | None
    based_on: int
    district_name: str  # "" for the city-wide figure

    @property
    def enough(self) -> bool:
        return self.median_hours is not None

    @property
    def typical_days(self) -> int | None:
        """Whole days, rounded up: 'done within 4 days' must not promise less than happened."""
        return None if self.median_hours is None else max(1, math.ceil(self.median_hours / 24))

    @property
    def p90_days(self) -> int | None:
        return None if self.p90_hours is None else max(1, math.ceil(self.p90_hours / 24))


def _done(jurisdiction: Jurisdiction, since: datetime):
    return ServiceRequest.objects.filter(
        jurisdiction=jurisdiction, status_code__in=DONE, closed_datetime__gte=since
    ).order_by()


def refresh(jurisdiction: Jurisdiction, now: datetime | None = None) -> int:
    """Recompute the jurisdiction's estimates from its history; returns how many rows it wrote."""
    now = now or timezone.now()
    since = now - WINDOW
    hours = HoursBetween("requested_datetime", "closed_datetime")
    figures = {"n": Count("pk"), "median": Percentile(hours, 0.5), "p90": Percentile(hours, 0.9)}
    by_service = {
        r["service_id"]: r for r in _done(jurisdiction, since).values("service_id").annotate(**figures)
    }
    by_district = (
        _done(jurisdiction, since)
        .filter(districts__kind=DISTRICT_KIND)
        .values("service_id", "districts__id")
        .annotate(**figures)
    )
    rows = []
    for service_id in Service.objects.filter(jurisdiction=jurisdiction).values_list("pk", flat=True):
        found = by_service.get(service_id, {"n": 0})
        enough = found["n"] >= MIN_REQUESTS
        rows.append(
            Estimate(
                service_id=service_id,
                median_hours=found["median"] if enough else None,
                p90_hours=found["p90"] if enough else None,
                based_on=found["n"],
                since=since,
                computed_at=now,
            )
        )
    rows += [
        Estimate(
            service_id=r["service_id"],
            district_id=r["districts__id"],
            median_hours=r["median"],
            p90_hours=r["p90"],
            based_on=r["n"],
            since=since,
            computed_at=now,
        )
        for r in by_district
        if r["n"] >= MIN_REQUESTS
    ]
    with transaction.atomic():
        Estimate.objects.filter(service__jurisdiction=jurisdiction).delete()
        Estimate.objects.bulk_create(rows)
        versioned.changed()  # every process reads the new figures at its next use
    return len(rows)


def refresh_all() -> int:
    """The worker's daily job."""
    return sum(refresh(j) for j in Jurisdiction.objects.all())


def _table(jurisdiction_id: int) -> dict[tuple[int, int | None], Typical]:
    rows = Estimate.objects.filter(service__jurisdiction_id=jurisdiction_id).select_related("district")
    return {
        (e.service_id, e.district_id): Typical(
            e.median_hours, e.p90_hours, e.based_on, e.district.name if e.district else ""
        )
        for e in rows
    }


_tables = versioned.Memo(_table)


def for_request(sr: ServiceRequest, district_ids: list[int] | None = None) -> Typical | None:
    """The estimate for a request: its ward's where the ward has enough history, else the city's; None
    before the first refresh. district_ids: the request's districts, when the caller has them."""
    table = _tables.get(sr.jurisdiction_id)
    if district_ids is None:
        district_ids = [d.pk for d in sr.districts.all()]
    for district_id in district_ids:
        if (found := table.get((sr.service_id, district_id))) is not None:
            return found
    return table.get((sr.service_id, None))
