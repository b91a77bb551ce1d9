"""Which jurisdiction a GeoReport call is about (jurisdiction_id, required only when there are several):
catalog.jurisdictions decides, this turns its refusals into the API's error document."""

from django.http import HttpRequest

from civic311.catalog import jurisdictions
from civic311.catalog.models import Jurisdiction
from civic311.open311.render import ApiError


def resolve(request: HttpRequest) -> Jurisdiction:
    form = request.POST if request.method == "POST" else request.GET
    code = form.get("jurisdiction_id") or request.GET.get("jurisdiction_id") or ""
    try:
        return jurisdictions.resolve(code)
    except jurisdictions.JurisdictionNotFound as exc:
        raise ApiError(404, str(exc)) from None
    except jurisdictions.JurisdictionRequired as exc:
        raise ApiError(400, str(exc)) from None
