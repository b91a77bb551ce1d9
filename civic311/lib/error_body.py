"""An error's body in the shape the client reads it: GeoReport errors (`[{"code", "description"}]`, or the
spec's XML) on the API and on .json/.xml paths, plain text elsewhere. For answers given before a view
runs (the body limits, an exhausted pool), where no view's renderer is at hand."""

import json

from civic311.lib import xmlrender

API_PREFIX = "/open311/"


def error_body(path: str, status: int, description: str) -> tuple[str, bytes]:
    """(content type, body) of an error answer to a request for `path`."""
    errors = [{"code": status, "description": description}]
    if path.endswith(".xml"):
        return "text/xml; charset=utf-8", xmlrender.render("errors", errors)
    if path.startswith(API_PREFIX) or path.endswith(".json"):
        return "application/json; charset=utf-8", json.dumps(errors).encode()
    return "text/plain; charset=utf-8", description.encode()
