"""What an open-data call asks for: the shared request filter over any span of dates (the GeoReport
search keeps its 90 days; figures and exports do not), and the jurisdiction it is about."""

from django.http import QueryDict

from civic311.catalog import jurisdictions
from civic311.catalog.models import Jurisdiction
from civic311.servicerequests import filters
from civic311.servicerequests.intake import FieldError


class BadQuery(Exception):
    """The call cannot be answered as asked: an HTTP status and every problem found, in words."""

    def __init__(self, status: int, descriptions: list[str]) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = descriptions

    @classmethod
    def from_errors(cls, errors: list[FieldError]) -> "BadQuery":
        return cls(400, [str(e) for e in errors])


def jurisdiction_of(query: QueryDict) -> Jurisdiction:
    try:
        return jurisdictions.resolve(query.get("jurisdiction_id") or "")
    except jurisdictions.JurisdictionNotFound as exc:
        raise BadQuery(404, [str(exc)]) from None
    except jurisdictions.JurisdictionRequired as exc:
        raise BadQuery(400, [str(exc)]) from None


def read(query: QueryDict, errors: list[FieldError]) -> tuple[Jurisdiction, filters.RequestFilter]:
    """The jurisdiction and the filter; problems are added to errors (the caller raises them together
    with its own)."""
    jurisdiction = jurisdiction_of(query)
    f = filters.read_filter(query, filters.RequestFilter(), errors, max_span=None, jurisdiction=jurisdiction)
    return jurisdiction, f
