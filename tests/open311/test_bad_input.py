"""Bad input: a precise error, the right status, nothing stored, nothing already stored lost."""

import io

import pytest
from django.test import override_settings
from PIL import Image

from civic311.servicerequests.models import Event, ServiceRequest
from tests.factories import OUTSIDE_CITY
from tests.open311.conftest import API, errors_of, pothole_form


@pytest.fixture
def accepted(post):
    """One request accepted before the bad input arrives: it must come through untouched."""
    number = post().json()[0]["service_request_id"]
    request = ServiceRequest.objects.get(service_request_id=number)
    return request, request.events.count()


def assert_nothing_changed(accepted):
    request, events = accepted
    assert ServiceRequest.objects.count() == 1
    assert Event.objects.count() == events
    kept = ServiceRequest.objects.get(pk=request.pk)
    assert (kept.description, kept.status, kept.attributes) == (
        request.description,
        "open",
        {"WHERE": "LANE"},
    )


BAD_FORMS = [
    # (what is wrong, form changes, status, words the error must contain)
    ("unknown service", {"service_code": "NOPE"}, 404, ["service_code", "NOPE"]),
    ("missing service", {"service_code": None}, 400, ["service_code", "required"]),
    ("empty service", {"service_code": ""}, 400, ["service_code", "required"]),
    ("no location", {"lat": None, "long": None}, 400, ["location"]),
    ("lat only", {"long": None}, 400, ["lat/long", "both"]),
    ("lat out of range", {"lat": "91"}, 400, ["lat", "out of range"]),
    ("long out of range", {"long": "-181.5"}, 400, ["long", "out of range"]),
    ("lat NaN", {"lat": "NaN"}, 400, ["lat", "finite"]),
    ("long infinite", {"long": "-inf"}, 400, ["long", "finite"]),
    ("lat a word", {"lat": "north"}, 400, ["lat", "not a number"]),
    (
        "outside the city",
        {"lat": str(OUTSIDE_CITY[0]), "long": str(OUTSIDE_CITY[1])},
        400,
        ["outside", "Springfield"],
    ),
    ("missing required answer", {"attribute[WHERE]": None}, 400, ["attribute[WHERE]", "required"]),
    ("answer not in list", {"attribute[WHERE]": "ROOF"}, 400, ["attribute[WHERE]", "ROOF", "LANE"]),
    ("number malformed", {"attribute[SIZE]": "ten"}, 400, ["attribute[SIZE]", "not a number"]),
    ("number NaN", {"attribute[SIZE]": "nan"}, 400, ["attribute[SIZE]", "finite"]),
    ("datetime malformed", {"attribute[SEEN]": "yesterday"}, 400, ["attribute[SEEN]", "W3C"]),
    (
        "datetime without zone",
        {"attribute[SEEN]": "2026-11-20T08:00:00"},
        400,
        ["attribute[SEEN]", "time zone"],
    ),
    ("description too long", {"description": "x" * 4001}, 400, ["description", "4001", "4000"]),
    ("description with HTML", {"description": "<script>alert(1)</script>"}, 400, ["description", "HTML"]),
    ("description with a tag", {"description": 'Look <img src=x onerror="alert(1)">'}, 400, ["HTML"]),
    ("email malformed", {"email": "alice-at-example"}, 400, ["email", "alice-at-example"]),
    ("phone malformed", {"phone": "call me maybe"}, 400, ["phone"]),
    ("media_url not http", {"media_url": "javascript:alert(1)"}, 400, ["media_url"]),
    ("unknown address id", {"lat": None, "long": None, "address_id": "Z999"}, 400, ["address_id", "Z999"]),
]


@pytest.mark.parametrize(("wrong", "changes", "status", "words"), BAD_FORMS, ids=[b[0] for b in BAD_FORMS])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_it_refuses_bad_input_with_a_clear_error(client, city, accepted, fmt, wrong, changes, status, words):
    response = client.post(f"{API}/requests.{fmt}", pothole_form(city, **changes))
    assert response.status_code == status, response.content
    text = " ".join(errors_of(response))
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"
    assert_nothing_changed(accepted)


def test_it_reports_every_wrong_field_at_once(client, city, accepted):
    form = pothole_form(city, lat="abc", **{"attribute[WHERE]": None, "attribute[SIZE]": "big"}, email="nope")
    response = client.post(f"{API}/requests.json", form)
    assert response.status_code == 400
    errors = errors_of(response)
    assert len(errors) >= 4
    joined = " ".join(errors)
    for field in ("lat", "attribute[WHERE]", "attribute[SIZE]", "email"):
        assert field in joined
    assert_nothing_changed(accepted)


def test_a_service_that_needs_contact_refuses_an_anonymous_report(client, city, accepted):
    form = pothole_form(city, service_code="SCC", email=None, phone=None, **{"attribute[WHERE]": None})
    form["attribute[CARTS]"] = "BLACK"
    response = client.post(f"{API}/requests.json", form)
    assert response.status_code == 400
    assert "email or a phone" in errors_of(response)[0]
    assert_nothing_changed(accepted)


def test_a_service_no_longer_offered_refuses_new_requests(client, city, accepted):
    city.graffiti.active = False
    city.graffiti.save()
    response = client.post(f"{API}/requests.json", pothole_form(city, service_code="GRAF"))
    assert response.status_code == 400
    assert "no longer accepts" in errors_of(response)[0]
    assert_nothing_changed(accepted)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_missing_api_key_is_refused_with_403(client, city, accepted, fmt):
    response = client.post(f"{API}/requests.{fmt}", pothole_form(city, api_key=None))
    assert response.status_code == 403
    assert "api_key" in errors_of(response)[0]
    assert_nothing_changed(accepted)


def test_a_wrong_api_key_is_refused_with_403(client, city, accepted):
    response = client.post(f"{API}/requests.json", pothole_form(city, api_key="c311_not-a-real-key"))
    assert response.status_code == 403
    assert "not valid" in errors_of(response)[0]
    assert_nothing_changed(accepted)


def test_a_revoked_api_key_is_refused_with_403(client, city, accepted):
    city.api_key.revoke()
    response = client.post(f"{API}/requests.json", pothole_form(city))
    assert response.status_code == 403
    assert_nothing_changed(accepted)


def test_the_api_key_is_checked_before_the_input(client, city, accepted):
    response = client.post(f"{API}/requests.json", pothole_form(city, api_key="wrong", service_code="NOPE"))
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["requests.csv", "requests.html", "services.yaml", "services/PHF.txt"])
def test_an_unknown_format_suffix_is_refused(client, city, path):
    response = client.get(f"{API}/{path}")
    assert response.status_code == 400
    assert "use .json or .xml" in errors_of(response)[0]


def test_an_unknown_format_is_refused_on_post_too(client, city, accepted):
    response = client.post(f"{API}/requests.csv", pothole_form(city))
    assert response.status_code == 400
    assert_nothing_changed(accepted)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_a_huge_form_is_refused_with_413(client, city, accepted):
    response = client.post(f"{API}/requests.json", pothole_form(city, description="x" * 20_000))
    assert response.status_code == 413
    assert "larger than" in errors_of(response)[0]
    assert_nothing_changed(accepted)


@override_settings(CIVIC311_MAX_REQUEST_BYTES=1_000)
def test_a_body_over_the_limit_is_refused_before_it_is_read(client, city, accepted):
    response = client.post(f"{API}/requests.xml", pothole_form(city, description="y" * 2_000))
    assert response.status_code == 413
    assert "at most 1000" in errors_of(response)[0]
    assert_nothing_changed(accepted)


def test_too_many_fields_are_refused(client, city, accepted):
    form = pothole_form(city)
    form.update({f"attribute[X{n}]": "1" for n in range(300)})
    response = client.post(f"{API}/requests.json", form)
    assert response.status_code == 400
    assert "fields" in errors_of(response)[0]
    assert_nothing_changed(accepted)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<service_requests><request><service_code>&x;</service_code></request></service_requests>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<service_requests><request><description>&lol3;</description></request></service_requests>"""


@pytest.mark.parametrize("payload", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_an_xml_body_is_never_parsed(client, city, accepted, payload):
    """POST takes form fields only; an XML body is not read, so its entities never expand."""
    response = client.post(f"{API}/requests.xml", payload, content_type="text/xml")
    assert response.status_code == 403  # no api_key in a body we do not parse
    response = client.post(
        f"{API}/requests.xml", payload, content_type="text/xml", headers={"X-Api-Key": city.raw_key}
    )
    assert response.status_code == 400
    errors = " ".join(errors_of(response))
    assert "service_code" in errors and "root:" not in errors and "lol" not in errors
    assert_nothing_changed(accepted)


INJECTIONS = [
    "Robert'); DROP TABLE servicerequests_servicerequest;--",
    "1 OR 1=1; SELECT * FROM open311_apikey",
    "a < b && c > d \"quoted\" 'single' \\ backslash",
    "<<SCRIPT>alert('x')//<</SCRIPT>",
    "emoji 🕳️ and ünïcödé and right-to-left \u202e",
]


@pytest.mark.parametrize("text", INJECTIONS[:3] + INJECTIONS[4:])
def test_injection_strings_are_stored_and_returned_inert(client, post, text):
    response = post(description=text, address_string=text, first_name=text)
    assert response.status_code == 200, response.content
    number = response.json()[0]["service_request_id"]
    assert ServiceRequest.objects.get(service_request_id=number).description == text
    as_json = client.get(f"{API}/requests/{number}.json").json()[0]
    assert as_json["description"] == text
    from tests.open311.contract import parse_xml, xml_to_records

    as_xml = xml_to_records(
        parse_xml(client.get(f"{API}/requests/{number}.xml").content, "service_requests"), "request"
    )[0]
    assert as_xml["description"] == text
    assert ServiceRequest.objects.count() == 1


def test_markup_in_names_and_addresses_is_stored_and_returned_escaped(client, post):
    text = "<b>Main</b> & <i>1st</i>"
    number = post(address_string=text, lat=None, long=None).json()[0]["service_request_id"]
    body = client.get(f"{API}/requests/{number}.xml").content
    assert b"<b>" not in body and b"&lt;b&gt;Main&lt;/b&gt; &amp; &lt;i&gt;1st&lt;/i&gt;" in body


def test_control_characters_are_dropped_not_stored(client, post):
    number = post(description="bad\x00byte\x07 here").json()[0]["service_request_id"]
    assert ServiceRequest.objects.get(service_request_id=number).description == "badbyte here"


def _photo(data: bytes, name: str) -> io.BytesIO:
    upload = io.BytesIO(data)
    upload.name = name
    return upload


def _bomb_png() -> bytes:
    # A 20,000 x 20,000 image of one colour: tiny compressed, 400 megapixels decoded.
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, format="PNG")
    return buffer.getvalue()


HOSTILE_UPLOADS = [
    ("not really a jpeg", b"MZ\x90\x00 this is an executable, not a photo" * 10, "photo.jpg", "not an image"),
    (
        "svg with script",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "x.svg",
        "not an image",
    ),
    ("truncated jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 50, "cut.jpg", "image"),
]


@pytest.mark.parametrize(
    ("what", "data", "name", "words"), HOSTILE_UPLOADS, ids=[h[0] for h in HOSTILE_UPLOADS]
)
def test_hostile_uploads_are_refused_and_nothing_is_stored(client, city, accepted, what, data, name, words):
    response = client.post(f"{API}/requests.json", {**pothole_form(city), "media": _photo(data, name)})
    assert response.status_code == 400, response.content
    assert words in " ".join(errors_of(response))
    assert_nothing_changed(accepted)


def test_a_decompression_bomb_is_refused(client, city, accepted):
    response = client.post(
        f"{API}/requests.json", {**pothole_form(city), "media": _photo(_bomb_png(), "bomb.png")}
    )
    assert response.status_code == 400
    assert "megapixels" in " ".join(errors_of(response)) or "too large" in " ".join(errors_of(response))
    assert_nothing_changed(accepted)


@override_settings(CIVIC311_MAX_UPLOAD_BYTES=50_000)
def test_an_oversized_photo_is_refused(client, city, accepted):
    big = io.BytesIO()
    Image.effect_noise((600, 600), 100).convert("RGB").save(big, format="PNG")
    assert big.tell() > 50_000
    response = client.post(
        f"{API}/requests.json", {**pothole_form(city), "media": _photo(big.getvalue(), "big.png")}
    )
    assert response.status_code == 400
    assert "MB" in errors_of(response)[0]
    assert_nothing_changed(accepted)
