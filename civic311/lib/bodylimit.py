"""Refuse oversized request bodies by their Content-Length, before any of the body is read."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from civic311.lib import xmlrender
from civic311.lib.middleware import simple_middleware


def refuse_oversized(request: HttpRequest) -> HttpResponse | None:
    limit = settings.CIVIC311_MAX_REQUEST_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= limit:
        return None
    description = f"request: the body is {length} bytes; at most {limit} are accepted"
    errors = [{"code": 413, "description": description}]
    if request.path.endswith(".xml"):
        return HttpResponse(
            xmlrender.render("errors", errors), status=413, content_type="text/xml; charset=utf-8"
        )
    return JsonResponse(errors, status=413, safe=False)


BodyLimitMiddleware = simple_middleware(before=refuse_oversized)
