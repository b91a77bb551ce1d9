"""The catalog's documents (services.{fmt} and each service's definition), rendered once per format and
version of the catalog (lib/versioned.py), with an ETag, so a call costs a lookup and a client that
already holds the document gets a 304.

Cache-Control says `no-cache`: clients and proxies may keep the document but ask each time, so an
administrator's change is seen by the next call anywhere, and an unchanged catalog costs a 304.
"""

import hashlib
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified

from civic311.catalog import cache
from civic311.catalog.models import Jurisdiction
from civic311.lib import versioned
from civic311.open311.render import FORMATS, render
from civic311.open311.schemas import AttributeOut, ServiceDefinition, ServiceOut

CACHE_CONTROL = "public, no-cache"


@dataclass(frozen=True)
class Document:
    body: bytes
    etag: str


def _document(body: bytes) -> Document:
    return Document(body, f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"')


def _jurisdiction(pk: int) -> Jurisdiction:
    return next(j for j in cache.jurisdictions() if j.pk == pk)


def _service_list(key: tuple[int, str]) -> Document:
    jurisdiction_id, fmt = key
    services = cache.services(_jurisdiction(jurisdiction_id)).values()
    items = [ServiceOut.build(s, any(a.variable for a in s.questions())) for s in services if s.active]
    return _document(render(fmt, "services", items))


def _definition(key: tuple[int, str, str]) -> Document:
    jurisdiction_id, fmt, code = key
    service = cache.services(_jurisdiction(jurisdiction_id))[code]
    document = ServiceDefinition(
        service_code=service.service_code, attributes=[AttributeOut.build(a) for a in service.questions()]
    )
    return _document(render(fmt, "service_definition", document))


_lists = versioned.Memo(_service_list)
_definitions = versioned.Memo(_definition)


def service_list(jurisdiction: Jurisdiction, fmt: str) -> Document:
    return _lists.get((jurisdiction.pk, fmt))


def definition(jurisdiction: Jurisdiction, fmt: str, code: str) -> Document:
    """The definition of one of the jurisdiction's services (check the code exists first: the documents
    kept are the catalog's, never one per code a client makes up)."""
    return _definitions.get((jurisdiction.pk, fmt, code))


def respond(request: HttpRequest, fmt: str, document: Document) -> HttpResponse:
    held = _etags(request.headers.get("If-None-Match", ""))
    if document.etag in held or "*" in held:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(document.body, content_type=FORMATS[fmt])
    response["ETag"] = document.etag
    response["Cache-Control"] = CACHE_CONTROL
    return response


def _etags(header: str) -> set[str]:
    """The entity tags of an If-None-Match header (weak ones compare as strong: the body is the same)."""
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}
