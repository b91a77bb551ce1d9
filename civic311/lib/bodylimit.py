"""Refuse oversized request bodies by their Content-Length, before any of the body is read."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse

from civic311.lib import xmlrender


class BodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.CIVIC311_MAX_REQUEST_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            description = f"request: the body is {length} bytes; at most {limit} are accepted"
            errors = [{"code": 413, "description": description}]
            if request.path.endswith(".xml"):
                return HttpResponse(
                    xmlrender.render("errors", errors), status=413, content_type="text/xml; charset=utf-8"
                )
            return JsonResponse(errors, status=413, safe=False)
        return self.get_response(request)
