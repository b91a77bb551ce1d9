"""Which jurisdiction a GeoReport call is about (jurisdiction_id, required only when there are several)."""

from django.http import HttpRequest

from civic311.catalog.models import Jurisdiction
from civic311.open311.render import ApiError


def resolve(request: HttpRequest) -> Jurisdiction:
    form = request.POST if request.method == "POST" else request.GET
    raw = (form.get("jurisdiction_id") or request.GET.get("jurisdiction_id") or "").strip()
    if raw:
        found = Jurisdiction.objects.filter(jurisdiction_id=raw).first()
        if found is None:
            raise ApiError(404, f"jurisdiction_id: '{raw[:100]}' is not served here")
        return found
    candidates = list(Jurisdiction.objects.all()[:2])
    if not candidates:
        raise ApiError(404, "jurisdiction_id: no jurisdiction is set up on this server yet")
    if len(candidates) > 1:
        default = Jurisdiction.objects.filter(is_default=True).first()
        if default is None:
            raise ApiError(400, "jurisdiction_id: this server serves several jurisdictions; name one")
        return default
    return candidates[0]
