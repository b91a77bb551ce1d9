"""The filters of GET requests.{fmt}, over the public requests (ServiceRequest.objects.public())."""

from django.db.models import Prefetch, Q, QuerySet

from civic311.catalog import cache
from civic311.catalog.models import Department, Jurisdiction
from civic311.open311.params import RequestFilter
from civic311.servicerequests.models import Event, Media, ServiceRequest


def with_output_relations(qs: QuerySet[ServiceRequest], extended: bool) -> QuerySet[ServiceRequest]:
    qs = qs.select_related("service", "department")
    if extended:
        qs = qs.select_related("parent").prefetch_related(
            "districts",
            Prefetch("events", queryset=Event.objects.public().order_by("created_at", "pk")),
            Prefetch("media", queryset=Media.objects.filter(public=True)),
            # Public duplicates only: a private request's number is not for the public.
            Prefetch(
                "duplicates",
                queryset=ServiceRequest.objects.public().only("pk", "parent_id", "service_request_id"),
            ),
        )
    return qs


def filter_requests(jurisdiction: Jurisdiction, f: RequestFilter) -> QuerySet[ServiceRequest]:
    if f.service_request_ids:
        qs = (
            ServiceRequest.objects.public()
            .of(jurisdiction)
            .filter(service_request_id__in=f.service_request_ids)
        )
        return qs.order_by("-requested_datetime", "-pk")
    if f.service_codes:
        # The services belong to the jurisdiction, so the jurisdiction filter is left out: the
        # (service, public, status, requested) index then answers the count on its own.
        qs = ServiceRequest.objects.filter(
            public=True, service_id__in=cache.service_ids(jurisdiction, f.service_codes)
        )
    else:
        qs = ServiceRequest.objects.public().of(jurisdiction)
    if f.statuses and len(set(f.statuses)) == 1:
        qs = qs.filter(status=f.statuses[0])
    if f.start is not None:
        qs = qs.filter(requested_datetime__gte=f.start)
    if f.end is not None:
        qs = qs.filter(requested_datetime__lte=f.end)
    if f.updated_after is not None:
        qs = qs.filter(updated_datetime__gt=f.updated_after)
    if f.updated_before is not None:
        qs = qs.filter(updated_datetime__lte=f.updated_before)
    if f.agencies:
        departments = Department.objects.filter(jurisdiction=jurisdiction).filter(
            Q(code__in=f.agencies) | Q(name__in=f.agencies)
        )
        qs = qs.filter(department_id__in=list(departments.values_list("pk", flat=True)))
    if f.near is not None:
        qs = qs.near(f.near.lat, f.near.long, f.near.radius_m)
    if f.bbox is not None:
        min_lat, min_long, max_lat, max_long = f.bbox
        qs = qs.filter(lat__range=(min_lat, max_lat), long__range=(min_long, max_long))
    if f.text:
        qs = qs.filter(
            Q(description__icontains=f.text)
            | Q(address__icontains=f.text)
            | Q(status_notes__icontains=f.text)
            | Q(service__service_name__icontains=f.text)
            | Q(service_request_id__iexact=f.text)
        )
    if f.by_update:
        return qs.order_by("updated_datetime", "pk")
    return qs.order_by("-requested_datetime", "-pk")
