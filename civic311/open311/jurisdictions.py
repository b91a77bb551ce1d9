"""Which jurisdiction a GeoReport call is about (jurisdiction_id, required only when there are several)."""

from django.http import HttpRequest

from civic311.catalog import cache
from civic311.catalog.models import Jurisdiction
from civic311.open311.render import ApiError


def resolve(request: HttpRequest) -> Jurisdiction:
    form = request.POST if request.method == "POST" else request.GET
    raw = (form.get("jurisdiction_id") or request.GET.get("jurisdiction_id") or "").strip()
    known = cache.jurisdictions()
    if raw:
        found = next((j for j in known if j.jurisdiction_id == raw), None)
        if found is None:
            raise ApiError(404, f"jurisdiction_id: '{raw[:100]}' is not served here")
        return found
    if not known:
        raise ApiError(404, "jurisdiction_id: no jurisdiction is set up on this server yet")
    if len(known) > 1 and not known[0].is_default:
        raise ApiError(400, "jurisdiction_id: this server serves several jurisdictions; name one")
    return known[0]
