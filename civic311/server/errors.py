"""The answer to a request that failed: 503 with Retry-After when no database connection was free, else
Django's plain 500. Installed as the project's handler500 (civic311/urls.py)."""

import json
import sys

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.defaults import server_error

from civic311.lib import xmlrender
from civic311.server.pool import is_pool_exhausted, warn_refused

# Seconds a client is asked to wait before trying again: about the time a busy pool takes to drain.
RETRY_AFTER_SECONDS = 5
API_PREFIX = "/open311/"
BUSY = "the service is busy: no database connection was free; try again in a few seconds"


def busy_response(request: HttpRequest) -> HttpResponse:
    """503 in the shape the client reads: GeoReport errors (JSON or XML) on the API, a page elsewhere."""
    path = request.path
    if path.startswith(API_PREFIX) and path.endswith(".xml"):
        body = xmlrender.render("errors", [{"code": 503, "description": BUSY}])
        response = HttpResponse(body, status=503, content_type="text/xml; charset=utf-8")
    elif path.startswith(API_PREFIX) or path.endswith(".json"):
        body = json.dumps([{"code": 503, "description": BUSY}]).encode()
        response = HttpResponse(body, status=503, content_type="application/json; charset=utf-8")
    else:
        response = HttpResponse(render_to_string("server/busy.html", request=request), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def handler500(request: HttpRequest) -> HttpResponse:
    if is_pool_exhausted(sys.exc_info()[1]):
        warn_refused(request.path)
        return busy_response(request)
    return server_error(request)
