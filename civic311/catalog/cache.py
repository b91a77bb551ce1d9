"""A per-process cache of the small catalog tables every API call reads (jurisdictions, service codes).

Entries live CACHE_SECONDS at most and a save or delete in this process clears them at once, so
another process sees a change within a minute. Nothing private depends on it: which requests are
public is decided by ServiceRequest.public, read from the database on every call.
"""

import threading
import time

from civic311.catalog.models import Jurisdiction, Service

CACHE_SECONDS = 60

_lock = threading.Lock()
_jurisdictions: tuple[float, list[Jurisdiction]] | None = None
_service_ids: dict[int, tuple[float, dict[str, int]]] = {}


def jurisdictions() -> list[Jurisdiction]:
    """Every jurisdiction, the default first."""
    global _jurisdictions
    cached = _jurisdictions
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    fresh = list(Jurisdiction.objects.order_by("-is_default", "pk"))
    with _lock:
        _jurisdictions = (time.monotonic(), fresh)
    return fresh


def service_ids(jurisdiction: Jurisdiction, codes: list[str]) -> list[int]:
    """The ids of the jurisdiction's services with these codes (unknown codes are left out)."""
    cached = _service_ids.get(jurisdiction.pk)
    if cached is None or time.monotonic() - cached[0] >= CACHE_SECONDS:
        by_code = dict(Service.objects.filter(jurisdiction=jurisdiction).values_list("service_code", "pk"))
        cached = (time.monotonic(), by_code)
        with _lock:
            _service_ids[jurisdiction.pk] = cached
    return [cached[1][code] for code in codes if code in cached[1]]


def clear(**kwargs) -> None:
    """Forget everything (connected to saves and deletes of jurisdictions and services)."""
    global _jurisdictions
    with _lock:
        _jurisdictions = None
        _service_ids.clear()
