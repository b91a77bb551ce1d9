"""The catalog each process keeps in memory: the jurisdictions, and each one's services with their
questions and answers, by code. lib/versioned.py keeps the copies current: a save or delete of a
jurisdiction, department, service, attribute or value anywhere is seen at every process's next use.
Nothing private depends on it: which requests are public is decided by ServiceRequest.public, read from
the database on every call.

The objects handed out are shared between the process's threads: read them, never change or save them.
"""

from django.db.models import Prefetch

from civic311.catalog.models import Jurisdiction, Service, ServiceAttribute
from civic311.lib import versioned


def _all_jurisdictions(_: None) -> list[Jurisdiction]:
    return list(Jurisdiction.objects.order_by("-is_default", "pk"))


def _services_of(jurisdiction_id: int) -> dict[str, Service]:
    questions = ServiceAttribute.objects.order_by("order", "pk").prefetch_related("values")
    services = (
        Service.objects.filter(jurisdiction_id=jurisdiction_id)
        .select_related("jurisdiction", "department")
        .prefetch_related(Prefetch("attributes", queryset=questions))
    )
    return {s.service_code: s for s in services}


_jurisdictions = versioned.Memo(_all_jurisdictions)
_services = versioned.Memo(_services_of)


def jurisdictions() -> list[Jurisdiction]:
    """Every jurisdiction, the default first."""
    return _jurisdictions.get(None)


def services(jurisdiction: Jurisdiction) -> dict[str, Service]:
    """The jurisdiction's services (offered or not, public or private) by code, in the catalog's order
    (group, name), each with its questions and their values prefetched (Service.questions())."""
    return _services.get(jurisdiction.pk)


def service(jurisdiction: Jurisdiction, code: str) -> Service | None:
    return services(jurisdiction).get(code)


def service_ids(jurisdiction: Jurisdiction, codes: list[str]) -> list[int]:
    """The ids of the jurisdiction's services with these codes (unknown codes are left out)."""
    by_code = services(jurisdiction)
    return [by_code[code].pk for code in codes if code in by_code]


def clear(**_signal) -> None:
    """Forget every copy this process holds (tests, whose rows are rolled back between them)."""
    versioned.clear_all()
