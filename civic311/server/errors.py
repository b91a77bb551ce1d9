"""The answer to a request that failed: 503 with Retry-After when no database connection was free, else
Django's plain 500. Installed as the project's handler500 (civic311/urls.py)."""

import sys

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.defaults import server_error

from civic311.lib.error_body import error_body
from civic311.server.pool import is_pool_exhausted, warn_refused

# Seconds a client is asked to wait before trying again: about the time a busy pool takes to drain.
RETRY_AFTER_SECONDS = 5
BUSY = "the service is busy: no database connection was free; try again in a few seconds"


def busy_response(request: HttpRequest) -> HttpResponse:
    """503 in the shape the client reads: GeoReport errors (JSON or XML) on the API, a page elsewhere."""
    content_type, body = error_body(request.path, 503, BUSY)
    if content_type.startswith("text/plain"):
        content_type = "text/html; charset=utf-8"
        body = render_to_string("server/busy.html", request=request).encode()
    response = HttpResponse(body, status=503, content_type=content_type)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def handler500(request: HttpRequest) -> HttpResponse:
    if is_pool_exhausted(sys.exc_info()[1]):
        warn_refused(request.path)
        return busy_response(request)
    return server_error(request)
