"""Render GeoReport-shaped data (dicts, lists, scalars) as the spec's schemaless XML.

Lists become a wrapper element with one child per item, named by PLURALS (attributes/attribute …);
dicts become elements with a child per key; booleans are true/false; None is an empty element.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any
from xml.etree import ElementTree as ET

PLURALS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
    "service_request_updates": "request_update",
    "districts": "district",
}

# Characters XML 1.0 cannot carry at all; they are dropped rather than producing a broken document.
# Lone surrogates too (JSON's "\ud800" escapes make them): UTF-8 cannot even encode them.
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return _INVALID_XML_CHARS.sub("", str(value))


def _child(parent: ET.Element, name: str) -> ET.Element:
    if _XML_NAME.match(name) and not name.lower().startswith("xml"):
        return ET.SubElement(parent, name)
    # A key that is no XML name (an attribute code like "1st"): keep it as an attribute instead.
    element = ET.SubElement(parent, "item")
    element.set("key", _text(name))
    return element


def _fill(element: ET.Element, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _add(element, str(key), item)
    elif isinstance(value, list | tuple):
        item_name = PLURALS.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, item_name), item)
    else:
        element.text = _text(value)


def _add(parent: ET.Element, name: str, value: Any) -> None:
    _fill(_child(parent, name), value)


def render(root: str, data: Any) -> bytes:
    """The document: XML declaration with UTF-8, then `root` holding `data`."""
    element = ET.Element(root)
    if isinstance(data, Iterable) and not isinstance(data, Mapping | str | bytes):
        data = list(data)
    _fill(element, data)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode").encode()
