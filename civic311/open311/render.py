"""GeoReport responses in the format the client chose by suffix: JSON or the spec's XML."""

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from pydantic import BaseModel

from civic311.lib import xmlrender
from civic311.servicerequests.intake import FieldError

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# Headers a browser app on another origin may read (CORS), for paging.
EXPOSED_HEADERS = "X-Total-Count, X-Page, X-Page-Size, Link"


class UnknownFormat(Exception):
    def __init__(self, fmt: str):
        super().__init__(fmt)
        self.fmt = fmt


class ApiError(Exception):
    """Stop a GeoReport view with these errors (one or several) and an HTTP status."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = list(descriptions)

    @classmethod
    def from_field_errors(cls, errors: Sequence[FieldError], status: int = 400) -> "ApiError":
        return cls(status, *(str(e) for e in errors))


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise UnknownFormat(fmt)
    return fmt


def format_of(request: HttpRequest) -> str:
    """The format a response should be in, from the path suffix; JSON when it names none we know."""
    suffix = request.path.rsplit(".", 1)[-1] if "." in request.path.rsplit("/", 1)[-1] else ""
    return suffix if suffix in FORMATS else "json"


def _plain(data: Any) -> Any:
    if isinstance(data, BaseModel):
        # exclude_unset: a field a builder deliberately left unset is absent, not null (see PostRequestOut)
        return data.model_dump(mode="json", exclude_unset=True)
    if isinstance(data, Iterable) and not isinstance(data, dict | str | bytes):
        return [_plain(item) for item in data]
    return data


def render(fmt: str, root: str, data: Any) -> bytes:
    """The body of a document of `data` (a schema, plain dicts, or a list of either). `root` names the XML
    root element; a list is wrapped in it, an object becomes it."""
    plain = _plain(data)
    if fmt == "xml":
        return xmlrender.render(root, plain)
    # str() for what orjson does not know (a lazy translation); keys that are not strings as strings.
    return orjson.dumps(plain, default=str, option=orjson.OPT_NON_STR_KEYS)


def respond(fmt: str, root: str, data: Any, status: int = 200, headers: dict | None = None) -> HttpResponse:
    """A response of `data` in the client's format (see render)."""
    response = HttpResponse(render(fmt, root, data), status=status, content_type=FORMATS[fmt])
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error_response(fmt: str, status: int, descriptions: Iterable[str]) -> HttpResponse:
    errors = [{"code": status, "description": text} for text in descriptions]
    return respond(fmt, "errors", errors, status=status)
