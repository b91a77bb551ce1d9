"""Refuse oversized request bodies by their Content-Length, before any of the body is read.

Under the ASGI server the request guard (civic311/server/limits.py) refuses them before Django sees the
request, by the declared length and by the bytes as they arrive; this middleware holds the same rule
where requests come another way (WSGI, the test client)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from civic311.lib.error_body import error_body
from civic311.lib.middleware import simple_middleware


def oversized(length: int) -> str | None:
    """Why a body of `length` bytes is refused, or None."""
    limit = settings.CIVIC311_MAX_REQUEST_BYTES
    if length <= limit:
        return None
    return f"request: the body is {length} bytes; at most {limit} are accepted"


def refuse_oversized(request: HttpRequest) -> HttpResponse | None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if (description := oversized(length)) is None:
        return None
    content_type, body = error_body(request.path, 413, description)
    return HttpResponse(body, status=413, content_type=content_type)


BodyLimitMiddleware = simple_middleware(before=refuse_oversized)
