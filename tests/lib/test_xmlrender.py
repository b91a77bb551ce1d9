"""The GeoReport XML renderer: the spec's shape, and a document that always parses."""

from xml.etree import ElementTree as ET

from defusedxml.ElementTree import fromstring

from civic311.lib.xmlrender import render


def parse(document: bytes) -> ET.Element:
    return fromstring(document)


def test_the_declaration_is_exactly_xml_1_0_in_utf_8():
    document = render("services", [])
    first_line = document.split(b"\n", 1)[0]
    assert first_line == b'<?xml version="1.0" encoding="UTF-8"?>'


def test_it_wraps_a_list_of_requests_with_the_singular_name():
    root = parse(render("service_requests", [{"service_request_id": "1"}, {"service_request_id": "2"}]))
    assert root.tag == "service_requests"
    assert [child.tag for child in root] == ["request", "request"]
    assert [child.findtext("service_request_id") for child in root] == ["1", "2"]


def test_it_names_attributes_and_their_values_in_the_singular():
    definition = {
        "service_code": "PHF",
        "attributes": [{"code": "WHERE", "values": [{"key": "LANE", "name": "Traffic lane"}]}],
    }
    root = parse(render("service_definition", definition))
    attribute = root.find("attributes/attribute")
    assert attribute is not None and attribute.findtext("code") == "WHERE"
    assert attribute.findtext("values/value/key") == "LANE"
    assert attribute.findtext("values/value/name") == "Traffic lane"


def test_it_names_notes_in_the_singular():
    root = parse(render("request", {"notes": [{"description": "Crew sent"}, {"description": "Fixed"}]}))
    assert [note.findtext("description") for note in root.find("notes")] == ["Crew sent", "Fixed"]
    assert [note.tag for note in root.find("notes")] == ["note", "note"]


def test_it_calls_items_of_an_unknown_list_item():
    root = parse(render("request", {"tags": ["a", "b"]}))
    assert [(child.tag, child.text) for child in root.find("tags")] == [("item", "a"), ("item", "b")]


def test_it_writes_booleans_as_true_and_false():
    root = parse(render("service", {"metadata": True, "private": False}))
    assert root.findtext("metadata") == "true"
    assert root.findtext("private") == "false"


def test_it_writes_none_as_an_empty_element():
    root = parse(render("request", {"media_url": None, "zipcode": ""}))
    media = root.find("media_url")
    assert media is not None and media.text is None and len(media) == 0


def test_it_writes_numbers_as_text():
    root = parse(render("request", {"lat": 41.88, "count": 3}))
    assert (root.findtext("lat"), root.findtext("count")) == ("41.88", "3")


def test_it_drops_control_characters_so_the_document_still_parses():
    text = "bell\x07 escape\x1b nul\x00 form feed\x0c end\ufffe"
    root = parse(render("request", {"description": text}))
    assert root.findtext("description") == "bell escape nul form feed end"


def test_it_keeps_tabs_and_newlines():
    root = parse(render("request", {"description": "line one\n\tline two"}))
    assert root.findtext("description") == "line one\n\tline two"


def test_it_drops_lone_surrogates_which_utf_8_cannot_encode():
    # JSON allows "\ud800"; XML (and UTF-8) cannot carry it.
    root = parse(render("request", {"description": "before\ud800after"}))
    assert root.findtext("description") == "beforeafter"


def test_it_keeps_a_key_that_is_no_xml_name_as_an_item_with_the_key():
    answers = {"1st": "yes", "two words": "x", "xmlish": "y", "a<b": "z"}
    root = parse(render("attributes_answered", answers))
    items = {item.get("key"): item.text for item in root.findall("item")}
    assert items == {"1st": "yes", "two words": "x", "xmlish": "y", "a<b": "z"}


def test_it_escapes_markup_and_ampersands_and_they_parse_back_identical():
    text = '<script>alert("x")</script> & Tom & Jerry\'s <b>'
    document = render("request", {"description": text, "address": "A & B"})
    assert b"<script>" not in document
    root = parse(document)
    assert root.findtext("description") == text
    assert root.findtext("address") == "A & B"


def test_it_writes_non_ascii_text_as_utf_8():
    document = render("request", {"address": "Señor Café, Wrocław"})
    assert "Señor Café, Wrocław".encode() in document
    assert parse(document).findtext("address") == "Señor Café, Wrocław"


def test_it_renders_a_generator_as_a_list():
    root = parse(render("errors", ({"code": n} for n in (400, 404))))
    assert [error.findtext("code") for error in root] == ["400", "404"]
    assert [error.tag for error in root] == ["error", "error"]
