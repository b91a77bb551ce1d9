"""Reading GeoReport query parameters: the shared request filter (servicerequests/filters.py) within
the spec's 90-day window, and the list's own paging and extensions."""

from dataclasses import dataclass
from datetime import timedelta

from django.http import QueryDict

from civic311.catalog.models import Jurisdiction
from civic311.servicerequests import filters
from civic311.servicerequests.filters import parse_bool, parse_int
from civic311.servicerequests.intake import FieldError

MAX_SPAN = timedelta(days=90)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


@dataclass
class RequestFilter(filters.RequestFilter):
    """What GET requests.{fmt} asks for, checked."""

    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    extensions: bool = False


def parse_request_filter(
    query: QueryDict, jurisdiction: Jurisdiction | None = None
) -> tuple[RequestFilter, list[FieldError]]:
    errors: list[FieldError] = []
    f = RequestFilter()
    f.extensions = parse_bool(query, "extensions", errors)
    f.page = parse_int(query, "page", 1, 1, 1_000_000, errors)
    f.page_size = parse_int(query, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE, errors)
    return filters.read_filter(query, f, errors, max_span=MAX_SPAN, jurisdiction=jurisdiction), errors
