"""The filters of GET requests.{fmt}, over the public requests (ServiceRequest.objects.public())."""

from django.db.models import Prefetch, QuerySet

from civic311.catalog.models import Jurisdiction
from civic311.servicerequests import filters
from civic311.servicerequests.filters import RequestFilter
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
    """The public requests asked for, newest first; oldest change first for a sync client."""
    qs = filters.matching(jurisdiction, f)
    if f.by_update and not f.service_request_ids:
        return qs.order_by("updated_datetime", "pk")
    return qs.order_by("-requested_datetime", "-pk")
