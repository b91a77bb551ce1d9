"""Reporting a problem on the resident app: the page, each step's checks, the questions, contact."""

import uuid

from django.utils import translation

from civic311.servicerequests.models import Follower, ServiceRequest
from tests.factories import INSIDE_WARD_1, OUTSIDE_CITY


def report(client, *, service="PHF", lat=INSIDE_WARD_1[0], long=INSIDE_WARD_1[1], json=False, **fields):
    data = {"draft_key": str(uuid.uuid4()), "service": service, "action": "submit", "updates": "on", **fields}
    if lat is not None:
        data["lat"], data["long"] = str(lat), str(long)
    headers = {"Accept": "application/json"} if json else {}
    return client.post("/report/", data, headers=headers)


def test_the_report_page_shows_every_step_and_a_draft_key(client, city):
    page = client.get("/report/").content.decode()
    for heading in ["Where is it?", "What is the problem?", "Details", "Photos", "How can we reach you?"]:
        assert heading in page
    assert 'id="report-form"' in page and "data-draft-form" in page
    assert 'name="draft_key"' in page and 'name="csrfmiddlewaretoken"' in page


def test_the_categories_are_grouped_and_private_services_are_not_listed(client, city):
    page = client.get("/report/").content.decode()
    assert "<h3>Street Lights</h3>" in page and "<h3>Streets</h3>" in page
    assert "Street Light Out" in page and "Pothole in Street" in page
    assert "Wellness Check" not in page


def test_a_private_service_is_reportable_by_its_link(client, city):
    page = client.get("/report/", {"service": "WELL"}).content.decode()
    assert "Wellness Check" in page and 'type="hidden" name="service" value="WELL"' in page
    response = report(client, service="WELL", email="bo@example.org")
    assert response.status_code == 302
    assert ServiceRequest.objects.get().public is False


def test_searching_dark_street_finds_the_street_light(client, city):
    page = client.get("/report/", {"q": "dark street"}).content.decode()
    assert "Street Light Out" in page and "Pothole in Street" not in page
    assert "1 problem matches" in page


def test_the_search_reads_descriptions_groups_and_our_own_synonyms(client, city):
    def found(words):
        return [
            s["service_code"] for s in client.get("/report/services.json", {"q": words}).json()["services"]
        ]

    assert found("hole in the road") == ["PHF"]  # the description
    assert found("garbage") == ["SCC"]  # the group and the name
    assert found("trash") == ["SCC"]  # a synonym of ours
    assert found("wellness") == []  # private: not found publicly
    assert found("zebra") == []


def test_the_search_without_javascript_keeps_what_was_typed(client, city):
    response = client.post("/report/", {"action": "search", "q": "lamp", "address": "100 W Main St"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Street Light Out" in page and "Graffiti Removal" not in page
    assert 'value="100 W Main St"' in page
    assert not ServiceRequest.objects.exists()


def test_continue_shows_the_questions_of_the_chosen_service(client, city):
    response = client.post("/report/", {"action": "continue", "service": "SFD", "address": "100 W Main St"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Is the light out or flickering?" in page and "Completely out" in page
    assert "We found: 100 W Main St" in page


def test_continue_without_a_category_asks_for_one(client, city):
    response = client.post("/report/", {"action": "continue", "address": "100 W Main St"})
    assert response.status_code == 400
    assert "Choose what kind of problem it is." in response.content.decode()


def test_a_pothole_with_its_answers_is_filed_and_the_confirmation_shows_its_number(client, city):
    response = report(client, q_WHERE="LANE", q_SIZE="12", description="Deep one", email="bo@example.org")
    assert response.status_code == 302
    sr = ServiceRequest.objects.get()
    assert sr.attributes == {"WHERE": "LANE", "SIZE": 12}
    assert sr.channel == "web" and sr.reporter_email == "bo@example.org"
    page = client.get(response["Location"]).content.decode()
    assert sr.service_request_id in page and f'href="/track/{sr.service_request_id}"' in page
    assert "Spelled out: S R 2 6, 0 0 0 0 0 1, " in page


def test_every_datatype_of_question_is_asked_and_stored(client, city):
    report(client, q_WHERE="BIKE", q_SIZE="7.5", q_SEEN="2026-11-20T08:30")
    report(client, service="SFD", q_LIGHTOUT="FLICKER", q_POLE="P-42")
    report(client, service="SCC", q_CARTS=["BLACK", "YARD"], q_NOTES="Both\nmissed", email="bo@example.org")
    pothole, light, garbage = ServiceRequest.objects.order_by("pk")
    assert pothole.attributes["SIZE"] == 7.5
    assert pothole.attributes["SEEN"].startswith("2026-11-20T08:30:00-06:00")  # the city's time
    assert light.attributes == {"LIGHTOUT": "FLICKER", "POLE": "P-42"}
    assert garbage.attributes == {"CARTS": ["BLACK", "YARD"], "NOTES": "Both\nmissed"}


def test_the_questions_are_rendered_with_their_kinds_of_control(client, city):
    page = client.get("/report/", {"service": "PHF"}).content.decode()
    assert 'type="radio" name="q_WHERE"' in page and "(required)" in page
    assert 'name="q_SIZE"' in page and 'inputmode="decimal"' in page
    assert 'type="datetime-local" name="q_SEEN"' in page
    page = client.get("/report/", {"service": "SCC"}).content.decode()
    assert 'type="checkbox" name="q_CARTS"' in page and "<textarea" in page


def test_the_questions_fragment_is_in_the_active_language(client, city):
    city.streetlight.translations = {"es": {"service_name": "Luz apagada"}}
    city.streetlight.save()
    attribute = city.streetlight.attributes.get(code="LIGHTOUT")
    attribute.translations = {"es": {"description": "¿Está apagada?"}}
    attribute.save()
    value = attribute.values.get(key="OUT")
    value.translations = {"es": {"name": "Apagada del todo"}}
    value.save()
    with translation.override("es"):
        page = client.get("/report/questions/SFD/", headers={"Accept-Language": "es"}).content.decode()
    assert "Luz apagada" in page and "¿Está apagada?" in page and "Apagada del todo" in page


def test_a_missing_answer_wrong_number_or_bad_choice_is_a_field_error(client, city):
    response = report(client, q_SIZE="wide", q_SEEN="yesterday")
    page = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in page and 'href="#id_q_WHERE_0"' in page
    assert "Please answer this question." in page
    assert "is not a number" in page
    assert 'aria-invalid="true"' in page
    response = report(client, q_WHERE="NOWHERE")
    assert response.status_code == 400 and "NOWHERE" in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_a_place_outside_the_city_is_refused_clearly(client, city):
    response = report(client, lat=OUTSIDE_CITY[0], long=OUTSIDE_CITY[1], q_WHERE="LANE")
    assert response.status_code == 400
    assert "is outside the area Springfield serves" in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_bad_coordinates_are_refused_clearly(client, city):
    for lat, long, message in [
        ("north", "-87.6", "“north” is not a number."),
        ("123", "-87.6", "is not a coordinate"),
        ("nan", "-87.6", "is not a coordinate"),
        ("41.88", "", "Give both latitude and longitude"),
    ]:
        response = report(client, lat=lat, long=long, q_WHERE="LANE")
        assert response.status_code == 400, lat
        assert message in response.content.decode(), lat
    assert not ServiceRequest.objects.exists()


def test_no_place_at_all_is_asked_for(client, city):
    response = report(client, lat=None, q_WHERE="LANE")
    assert response.status_code == 400
    assert "Tell us where the problem is" in response.content.decode()


def test_a_typed_address_is_geocoded_on_submit_and_shown_back(client, city):
    response = report(client, lat=None, address="200 w main street", q_WHERE="LANE")
    sr = ServiceRequest.objects.get()
    assert (sr.lat, sr.long) == (41.880, -87.634) and sr.address == "200 W Main St"
    assert "200 W Main St" in client.get(response["Location"]).content.decode()


def test_an_address_we_cannot_find_asks_to_check_it(client, city):
    response = report(client, lat=None, address="999 Nowhere Blvd", q_WHERE="LANE")
    assert response.status_code == 400
    assert "We could not find “999 Nowhere Blvd”" in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_address_suggestions_come_from_the_geocoder(client, city):
    places = client.get("/report/places", {"q": "100 w"}).json()["places"]
    assert places == [{"address": "100 W Main St", "lat": 41.88, "long": -87.636}]
    assert client.get("/report/places", {"q": "x" * 5000}).json() == {"places": []}


def test_an_anonymous_report_needs_no_contact_where_the_service_allows_it(client, city):
    response = report(client, q_WHERE="LANE")
    assert response.status_code == 302
    sr = ServiceRequest.objects.get()
    assert sr.reporter_email == "" and not Follower.objects.exists()


def test_a_service_that_needs_contact_asks_for_an_email_or_phone(client, city):
    response = report(client, service="SCC", q_CARTS=["BLACK"])
    assert response.status_code == 400
    assert "give an email or a phone number" in response.content.decode()
    assert report(client, service="SCC", q_CARTS=["BLACK"], phone="+1 312 555 0199").status_code == 302


def test_contact_follows_the_request_in_the_active_language_unless_updates_are_declined(client, city):
    client.cookies["django_language"] = "es"
    report(client, q_WHERE="LANE", email="ana@example.org", name="Ana")
    sr = ServiceRequest.objects.get()
    assert sr.reporter_language == "es" and sr.reporter_first_name == "Ana"
    assert Follower.objects.get(request=sr).active
    data = {"updates": ""}
    report(client, q_WHERE="LANE", email="bo@example.org", **data)
    later = ServiceRequest.objects.order_by("-pk").first()
    assert not Follower.objects.get(request=later).active


def test_a_bad_email_or_phone_is_a_field_error(client, city):
    response = report(client, q_WHERE="LANE", email="not-an-email", phone="call me")
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter a valid email address." in page and "is not a phone number" in page
    assert not ServiceRequest.objects.exists()


def test_oversized_and_malformed_fields_store_nothing(client, city):
    cases = [
        {"description": "x" * 5000},
        {"description": "<script>alert(1)</script>"},
        {"name": "n" * 500},
        {"q_SIZE": "1e400"},
        {"address": "a" * 1000, "lat": "", "long": ""},
        {"draft_key": "not-a-uuid"},
    ]
    for fields in cases:
        response = report(client, q_WHERE="LANE", **fields)
        assert response.status_code == 400, fields
    assert "draft key is wrong" in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_an_unknown_service_code_is_a_field_error(client, city):
    response = report(client, service="NOPE<script>")
    assert response.status_code == 400
    assert "Choose one of the listed problems." in response.content.decode()
    assert "NOPE<script>" not in response.content.decode()  # the hostile code is escaped, never echoed


def test_the_report_page_answers_only_get_and_post_and_keeps_csrf(city):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/report/", {"service": "PHF"}).status_code == 403
    assert Client().put("/report/").status_code == 405
    assert not ServiceRequest.objects.exists()


def test_control_characters_anywhere_are_refused_or_dropped_never_a_server_error(client, city):
    for fields in [
        {"address": "100 W\x00 Main St", "lat": "", "long": ""},
        {"q": "dark\x00street", "action": "search"},
        {"service": "PH\x00F"},
        {"email": "a\x00@example.org"},
        {"name": "Bo\x00"},
        {"phone": "+1 312\x00 555"},
        {"q_SIZE": "1\x002"},
        {"q_SEEN": "2026-11-20\x00T08:30"},
        {"description": "deep\x00hole"},
        {"me_too": "SR\x00-1", "email": "bo@example.org"},
        {"lat": "41.88\x00", "long": "-87.63"},
    ]:
        response = report(client, q_WHERE="LANE", **fields)
        assert response.status_code in (200, 302, 400), fields
    for url, params in [
        ("/report/places", {"q": "10\x000 W"}),
        ("/report/services.json", {"q": "dark\x00"}),
        ("/report/nearby", {"service": "PH\x00F", "lat": "41.88", "long": "-87.63"}),
        ("/report/", {"service": "PH\x00F", "q": "x\x00"}),
    ]:
        assert client.get(url, params).status_code in (200, 400), url
    assert client.get("/report/questions/PH%00F/").status_code == 404
