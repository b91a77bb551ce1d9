"""CORS for the public GeoReport reads: any web page may GET them and read the paging headers."""

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from civic311.lib.middleware import simple_middleware
from civic311.open311.render import EXPOSED_HEADERS

API_PREFIX = "/open311/"
READS = ("GET", "HEAD", "OPTIONS")


def answer_preflight(request: HttpRequest) -> HttpResponseBase | None:
    if request.method != "OPTIONS" or not request.path.startswith(API_PREFIX):
        return None
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response["Access-Control-Max-Age"] = "86400"
    return allow_reads(request, response)


def allow_reads(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    if request.method in READS and request.path.startswith(API_PREFIX):
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


CorsForReadsMiddleware = simple_middleware(before=answer_preflight, after=allow_reads)
