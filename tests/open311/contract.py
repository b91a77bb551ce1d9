"""Contract helpers for Open311 GeoReport v2 responses (JSON and XML).

No tests live here; test modules import these helpers:

    from contract import validate_json, parse_xml, xml_to_records   # pytest rootdir-relative import
    # or: from tests.open311.contract import ...                     # if tests/ becomes a package

* ``validate_json(schema_name, data)`` validates decoded JSON (or raw JSON bytes/str) against
  ``schemas/<schema_name>.json`` (JSON Schema draft 2020-12) and raises ``AssertionError`` listing
  every violation with its JSON path.
* ``parse_xml(body, root)`` parses an XML response with defusedxml, checking the XML declaration
  (``encoding="UTF-8"``, required by the spec), the root tag, and that the document uses no
  namespaces or attributes (GeoReport v2 XML is plain, schemaless and namespace-free).
* ``xml_to_records(root_el, item_tag)`` turns ``<services><service>...`` style documents into a list
  of dicts of text, following the Spark convention used by the spec to map XML to JSON: known list
  containers (``attributes``/``attribute``, ``values``/``value``, ``notes``/``note`` ...) become
  lists, other elements with children become dicts, empty leaf elements become ``None``.
  No type coercion is done: every leaf is ``str`` or ``None``.
* ``xml_to_value(el)`` applies the same mapping to a single-object document such as
  ``<discovery>`` or ``<service_definition>``.

See docs/georeport-reference.md for the contract these schemas encode.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as DET
from jsonschema import Draft202012Validator

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

# Container element -> its repeated child element.  A container always maps to a list, even when it
# has zero or one child (that is the point of the Spark convention).
LIST_CONTAINERS: Mapping[str, str] = {
    # GeoReport v2 core
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    # Service discovery
    "endpoints": "endpoint",
    "formats": "format",
    # Chicago / San Francisco extensions
    "notes": "note",
    "photos": "photo",
    # FixMyStreet extension
    "service_request_updates": "request_update",
    "groups": "group",
}

_XML_DECL = re.compile(
    rb"""\A<\?xml\s+version\s*=\s*(["'])1\.[0-9]\1\s+encoding\s*=\s*(["'])(?P<enc>[A-Za-z0-9._-]+)\2"""
    rb"""(\s+standalone\s*=\s*(["'])(yes|no)\5)?\s*\?>"""
)

_MAX_REPORTED_ERRORS = 25


def schema_path(schema_name: str) -> Path:
    """Path of a schema file; ``schema_name`` may be given with or without the ``.json`` suffix."""
    name = schema_name.removesuffix(".json")
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"bad schema name {schema_name!r}")
    path = SCHEMA_DIR / f"{name}.json"
    if not path.is_file():
        available = sorted(p.stem for p in SCHEMA_DIR.glob("*.json"))
        raise FileNotFoundError(f"no schema {name!r} in {SCHEMA_DIR} (available: {', '.join(available)})")
    return path


@functools.cache
def load_schema(schema_name: str) -> dict[str, Any]:
    """Load (and check) a schema once per process."""
    with schema_path(schema_name).open(encoding="utf-8") as fh:
        schema = json.load(fh)
    Draft202012Validator.check_schema(schema)
    return schema


@functools.cache
def _validator(schema_name: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(schema_name.removesuffix(".json")))


def _json_path(parts: Any) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def validate_json(schema_name: str, data: Any) -> None:
    """Validate ``data`` against ``schemas/<schema_name>.json``.

    ``data`` is normally the decoded JSON value (``response.json()``).  Raw ``bytes``/``str`` are
    decoded first (no response schema describes a bare JSON string, so this is unambiguous).
    Raises ``AssertionError`` with one line per violation, e.g.::

        requests.json: 2 violation(s)
          $[0]: Additional properties are not allowed ('email' was unexpected)
          $[0].lat: '41.9' is not of type 'number', 'null'
    """
    if isinstance(data, bytes | bytearray):
        try:
            data = json.loads(bytes(data).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise AssertionError(f"{schema_name}: body is not UTF-8 JSON: {exc}") from exc
    elif isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"{schema_name}: body is not JSON: {exc}") from exc

    validator = _validator(schema_name)
    errors = sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    if not errors:
        return
    lines = [f"{schema_name.removesuffix('.json')}.json: {len(errors)} violation(s)"]
    for err in errors[:_MAX_REPORTED_ERRORS]:
        lines.append(f"  {_json_path(err.absolute_path)}: {err.message}")
    if len(errors) > _MAX_REPORTED_ERRORS:
        lines.append(f"  ... and {len(errors) - _MAX_REPORTED_ERRORS} more")
    raise AssertionError("\n".join(lines))


def parse_xml(body: bytes, root: str) -> Element:
    """Parse an Open311 XML body and return the root element.

    Asserts that
    * ``body`` is bytes starting with an XML declaration whose encoding is UTF-8 (case-insensitive;
      the spec's own examples write ``utf-8``) -- no BOM or whitespace before it;
    * the document is well-formed and contains no DTD/entities (defusedxml, ``forbid_dtd=True``);
    * no element is namespaced or carries XML attributes;
    * the root tag is exactly ``root``.
    """
    assert isinstance(body, bytes | bytearray), f"XML body must be bytes, got {type(body).__name__}"
    body = bytes(body)
    match = _XML_DECL.match(body)
    assert match, f"XML body must start with an XML declaration with an encoding; starts with {body[:60]!r}"
    encoding = match.group("enc").decode("ascii")
    assert encoding.lower() == "utf-8", f'XML declaration must say encoding="UTF-8", got {encoding!r}'
    try:
        element = DET.fromstring(body, forbid_dtd=True)
    except Exception as exc:  # ParseError, DTDForbidden, EntitiesForbidden, ...
        raise AssertionError(f"XML body does not parse: {type(exc).__name__}: {exc}") from exc
    for el in element.iter():
        assert not el.tag.startswith("{"), f"namespaced element {el.tag} (Open311 XML has no namespaces)"
        assert not el.attrib, f"element <{el.tag}> has attributes {dict(el.attrib)} (Open311 XML uses none)"
    assert element.tag == root, f"XML root must be <{root}>, got <{element.tag}>"
    return element


def _element_to_value(el: Element) -> Any:
    children = list(el)
    if el.tag in LIST_CONTAINERS:
        item_tag = LIST_CONTAINERS[el.tag]
        stray = sorted({c.tag for c in children if c.tag != item_tag})
        assert not stray, f"<{el.tag}> may only contain <{item_tag}>, found {stray}"
        assert not (el.text or "").strip(), f"<{el.tag}> has text content besides its <{item_tag}> items"
        return [_element_to_value(c) for c in children]
    if not children:
        return el.text if el.text else None
    assert not (el.text or "").strip(), f"<{el.tag}> mixes text and child elements"
    tags = [c.tag for c in children]
    if len(children) > 1 and len(set(tags)) == 1:
        # An unknown repeating container (e.g. <media_urls><media_url/>...): treat as a list.
        return [_element_to_value(c) for c in children]
    duplicates = sorted({t for t in tags if tags.count(t) > 1})
    assert not duplicates, f"<{el.tag}> repeats {duplicates} alongside other elements; cannot map to a dict"
    return {c.tag: _element_to_value(c) for c in children}


def xml_to_value(el: Element) -> Any:
    """Convert any element (e.g. a ``<discovery>`` or ``<service_definition>`` root) with the same
    rules as :func:`xml_to_records`: dict for named children, list for list containers, text/None
    for leaves."""
    return _element_to_value(el)


def xml_to_records(root_el: Element, item_tag: str) -> list[dict[str, Any]]:
    """Convert the ``item_tag`` children of ``root_el`` into dicts.

    ``xml_to_records(parse_xml(body, "services"), "service")`` ->
    ``[{"service_code": "001", "metadata": "true", ...}, ...]``.

    Every direct child of ``root_el`` must be ``<item_tag>`` and must itself have child elements
    (or be empty, giving ``{}``).  Leaves are text (``None`` when empty); known list containers
    become lists of their items (``attributes``, ``values``, ``notes``, ``endpoints``, ``formats``,
    ``photos``, ...); other nested elements become dicts.
    """
    records: list[dict[str, Any]] = []
    for child in root_el:
        assert child.tag == item_tag, f"<{root_el.tag}> may only contain <{item_tag}>, found <{child.tag}>"
        if len(child) == 0:
            assert not (child.text or "").strip(), f"<{item_tag}> has bare text {child.text!r}"
            records.append({})
            continue
        value = _element_to_value(child)
        assert isinstance(value, dict), f"<{item_tag}> must hold named fields, not a repeated list"
        records.append(value)
    return records
