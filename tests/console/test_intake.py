"""Call-centre intake (/staff/intake/): agnes, an agent on the phone, finds a caller's requests and the open
ones near an address, reads out where each stands, adds the caller as a follower, files new requests."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from civic311.console.intake import (
    field_for_error,
    local_to_w3c,
    read_query,
    speakable_digits,
)
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, EventKind, Status
from civic311.servicerequests.intake import Contact
from civic311.servicerequests.models import Event, Follower, ServiceRequest
from civic311.servicerequests.plain import status_in_words
from tests.factories import file_request

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)  # Wednesday 25 November 2026, noon in Springfield
MONDAY = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
NEXT_MONDAY = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
ALICE = Contact(email="alice@example.org", phone="+1 312 555 0100", first_name="Alice", last_name="Resident")
BERT = Contact(email="bert@example.org", phone="+1 773 555 0199", first_name="Bert", last_name="Neighbour")
# Springfield's address index (tests/factories.py): 200 W Main St is at (41.880, -87.634).
MAIN_ST_200 = (41.880, -87.634)
PAGES = [
    ("get", "/staff/intake/"),
    ("get", "/staff/intake/search/?q=alice"),
    ("get", "/staff/intake/addresses?q=200"),
    ("get", "/staff/intake/services?q=pothole"),
    ("get", "/staff/intake/questions/PHF/"),
    ("post", "/staff/intake/file/"),
    ("post", "/staff/intake/follow/"),
]


def htmx(client, path, data=None, method="get"):
    return getattr(client, method)(path, data or {}, headers={"HX-Request": "true"})


def at(lat_long, north_m=0.0):
    """A point `north_m` metres north of lat_long (one degree of latitude is about 111,195 m)."""
    return {"lat": lat_long[0] + north_m / 111_195, "long": lat_long[1]}


def search(client, q, **extra):
    response = client.get("/staff/intake/search/", {"q": q, **extra}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def pothole_form(**overrides):
    form = {
        "address": "200 W Main St",
        "service": "PHF",
        "attribute[WHERE]": "LANE",
        "attribute[SIZE]": "12",
        "description": "Deep hole by the bus stop",
        "first_name": "Alice",
        "last_name": "Resident",
        "phone": "312-555-0100",
        "email": "",
    }
    form.update(overrides)
    return form


# --- the page and its door ----------------------------------------------------------------------------


def test_the_intake_page_opens_for_agnes_with_the_search_box_focused(signed_in, city):
    response = signed_in("agnes").get("/staff/intake/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="intake-q" name="q"' in body and "autofocus" in body
    assert "Pothole in Street" in body and "File the request" in body


@pytest.mark.parametrize("name", ["bob", "dave"])
def test_staff_without_the_call_centre_capability_are_refused_every_intake_url(signed_in, city, name):
    client = signed_in(name)
    for method, path in PAGES:
        assert getattr(client, method)(path).status_code == 403, path


def test_anonymous_visitors_are_sent_to_sign_in(client, city):
    for method, path in PAGES:
        response = getattr(client, method)(path)
        assert response.status_code == 302 and response["Location"].startswith("/staff/login/"), path


# --- search --------------------------------------------------------------------------------------------


def test_searching_a_request_number_finds_it_with_its_status_in_words(signed_in, city):
    sr = file_request(city.pothole, contact=ALICE)
    body = search(signed_in("agnes"), sr.service_request_id.lower())
    assert sr.service_request_id in body and "Pothole in Street" in body
    assert "Received on" in body and "we expect to finish by" in body


def test_searching_the_keypad_digits_of_a_number_finds_it(signed_in, city):
    sr = file_request(city.pothole, contact=ALICE)
    digits = speakable_digits(sr.service_request_id).replace(" ", "")
    assert sr.service_request_id in search(signed_in("agnes"), digits)


def test_searching_a_phone_written_differently_finds_the_callers_requests_and_the_ones_they_follow(
    signed_in, city
):
    reported = file_request(city.pothole, contact=ALICE)  # stored as '+1 312 555 0100'
    followed = file_request(city.streetlight, contact=BERT)
    actions.add_follower(followed, actions.Actor(channel=Channel.PHONE), phone="312.555.0100", name="Alice")
    other = file_request(city.graffiti, contact=BERT)
    body = search(signed_in("agnes"), "(312) 555-0100")
    assert reported.service_request_id in body and followed.service_request_id in body
    assert other.service_request_id not in body
    assert "reported it" in body and "follows it" in body
    # The caller's details, to fill the file form's empty caller fields.
    assert 'data-fill-email="alice@example.org"' in body and 'data-fill-first_name="Alice"' in body


def test_searching_an_email_in_any_case_finds_the_requests_reported_and_followed(signed_in, city):
    reported = file_request(city.pothole, contact=ALICE)
    followed = file_request(city.streetlight, contact=BERT)
    actions.add_follower(followed, actions.Actor(channel=Channel.PHONE), email="Alice@Example.org")
    other = file_request(city.graffiti, contact=BERT)
    body = search(signed_in("agnes"), "ALICE@example.ORG")
    assert reported.service_request_id in body and followed.service_request_id in body
    assert other.service_request_id not in body


def test_searching_a_name_finds_the_requests_of_that_reporter(signed_in, city):
    alices = file_request(city.pothole, contact=ALICE)
    berts = file_request(city.streetlight, contact=BERT)
    body = search(signed_in("agnes"), "alice resident")
    assert alices.service_request_id in body and berts.service_request_id not in body


def test_the_callers_requests_are_listed_newest_first_and_at_most_twenty(signed_in, city):
    start = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
    filed = [file_request(city.graffiti, contact=ALICE, at=start + timedelta(days=n)) for n in range(21)]
    body = search(signed_in("agnes"), "alice@example.org")
    newest, second, oldest = filed[-1], filed[-2], filed[0]
    assert body.index(newest.service_request_id) < body.index(second.service_request_id)
    assert oldest.service_request_id not in body
    assert body.count('class="intake-item"') == 20


def test_searching_an_address_lists_the_open_requests_near_it_same_service_first(signed_in, city):
    light_near = file_request(city.streetlight, contact=BERT, **at(MAIN_ST_200, 20))
    pothole_farther = file_request(city.pothole, contact=BERT, **at(MAIN_ST_200, 120))
    far = file_request(city.pothole, contact=BERT, **at(MAIN_ST_200, 600))
    fixed = file_request(city.pothole, contact=BERT, **at(MAIN_ST_200, 10))
    actions.change_status(fixed, Status.FIXED, actions.Actor(channel=Channel.STAFF))
    private = file_request(city.wellness, contact=BERT, **at(MAIN_ST_200, 10))
    body = search(signed_in("agnes"), "200 West Main Street", service="PHF")
    assert "Open requests within 250 m of 200 W Main St" in body
    assert light_near.service_request_id in body and pothole_farther.service_request_id in body
    # Same service first, though farther.
    assert body.index(pothole_farther.service_request_id) < body.index(light_near.service_request_id)
    assert "120 m away" in body or "119 m away" in body
    for absent in (far, fixed, private):
        assert absent.service_request_id not in body
    assert "Add this caller as a follower" in body


def test_the_nearby_panel_follows_the_file_forms_address_or_map_point(signed_in, city):
    near = file_request(city.pothole, contact=BERT, **at(MAIN_ST_200, 30))
    client = signed_in("agnes")
    by_address = htmx(client, "/staff/intake/search/", {"address": "200 W Main St"}).content.decode()
    assert near.service_request_id in by_address and "1 open request within 250 m" in by_address
    by_point = htmx(client, "/staff/intake/search/", at(MAIN_ST_200)).content.decode()
    assert near.service_request_id in by_point
    unknown = htmx(client, "/staff/intake/search/", {"address": "999 Nowhere Rd"}).content.decode()
    assert "No address “999 Nowhere Rd”" in unknown


def test_an_empty_search_asks_for_something_to_find(signed_in, city):
    assert "Type a number, phone, email, name or address." in search(signed_in("agnes"), "  ")


# --- address suggestions, service search, questions ---------------------------------------------------


def test_address_suggestions_come_from_the_geocoder_as_json(signed_in, city):
    client = signed_in("agnes")
    places = client.get("/staff/intake/addresses", {"q": "200 west ma"}).json()
    assert [p["address"] for p in places] == ["200 W Main St"]
    assert places[0]["lat"] == pytest.approx(41.880) and places[0]["zipcode"] == "60601"
    at_point = client.get("/staff/intake/addresses", {"lat": "41.8801", "long": "-87.6341"}).json()
    assert at_point[0]["address"] == "200 W Main St"
    assert client.get("/staff/intake/addresses", {"q": "2"}).json() == []


def test_service_search_matches_name_keywords_group_and_code_of_offered_services_only(signed_in, city):
    client = signed_in("agnes")

    def codes(q):
        return [s["service_code"] for s in client.get("/staff/intake/services", {"q": q}).json()]

    assert codes("pothole") == ["PHF"]
    assert codes("lamp") == ["SFD"]  # a keyword
    assert codes("garbage") == ["SCC"]  # the group and the name
    assert codes("graf") == ["GRAF"]
    assert "PHF" in codes("streets")  # the group
    city.graffiti.active = False
    city.graffiti.save()
    assert codes("graf") == []


def test_service_search_for_htmx_chooses_the_best_fit_and_brings_its_questions(signed_in, city):
    body = htmx(signed_in("agnes"), "/staff/intake/services", {"q": "hole"}).content.decode()
    assert 'value="PHF" checked' in body
    assert 'hx-swap-oob="innerHTML"' in body and "Where in the street is it?" in body


def test_the_questions_of_a_service_are_fields_of_their_datatypes(signed_in, city):
    client = signed_in("agnes")
    pothole = client.get("/staff/intake/questions/PHF/").content.decode()
    assert '<select id="intake-q1" name="attribute[WHERE]" aria-required="true"' in pothole
    assert '<option value="LANE">Traffic lane</option>' in pothole
    assert 'type="number"' in pothole and 'type="datetime-local"' in pothole
    assert "Local time (America/Chicago)" in pothole
    garbage = client.get("/staff/intake/questions/SCC/").content.decode()
    assert 'type="checkbox" name="attribute[CARTS]" value="BLUE"' in garbage
    assert '<textarea id="intake-q2" name="attribute[NOTES]"' in garbage
    light = client.get("/staff/intake/questions/SFD/").content.decode()
    assert 'name="attribute[POLE]"' in light and 'type="text"' in light
    assert client.get("/staff/intake/questions/NOPE/").status_code == 404


# --- filing ----------------------------------------------------------------------------------------------


def test_filing_records_channel_phone_and_the_agent_as_actor_with_the_answers_typed(signed_in, city, actors):
    response = htmx(signed_in("agnes"), "/staff/intake/file/", pothole_form(), method="post")
    assert response.status_code == 200
    sr = ServiceRequest.objects.get()
    assert sr.channel == Channel.PHONE
    assert sr.service == city.pothole and sr.address == "200 W Main St" and sr.lat == pytest.approx(41.880)
    assert sr.attributes == {"WHERE": "LANE", "SIZE": 12}
    assert sr.description == "Deep hole by the bus stop"
    assert (sr.reporter_first_name, sr.reporter_phone) == ("Alice", "+13125550100")  # E.164
    created = sr.events.get(kind=EventKind.CREATED)
    assert created.actor == actors["agnes"] and created.channel == Channel.PHONE
    body = response.content.decode()
    assert f'<span class="intake-number">{sr.service_request_id}</span>' in body
    assert speakable_digits(sr.service_request_id) in body
    assert "we expect to finish by" in body
    # The form is empty again for the next call.
    assert 'name="description" rows="3"' in body and "Deep hole by the bus stop" not in body


def test_a_datetime_answer_is_sent_with_the_citys_offset(signed_in, city):
    form = pothole_form(**{"attribute[SEEN]": "2026-11-23T07:30"})
    htmx(signed_in("agnes"), "/staff/intake/file/", form, method="post")
    assert ServiceRequest.objects.get().attributes["SEEN"] == "2026-11-23T07:30:00-06:00"


def test_a_point_from_the_map_is_enough(signed_in, city):
    form = pothole_form(address="", lat="41.8801", long="-87.6341")
    htmx(signed_in("agnes"), "/staff/intake/file/", form, method="post")
    assert ServiceRequest.objects.get().address == "200 W Main St"


def test_a_missing_required_answer_is_shown_next_to_its_field_and_nothing_is_stored(signed_in, city):
    form = pothole_form(**{"attribute[WHERE]": ""})
    response = htmx(signed_in("agnes"), "/staff/intake/file/", form, method="post")
    assert response.status_code == 200
    body = response.content.decode()
    assert ServiceRequest.objects.count() == 0 and Event.objects.count() == 0
    assert '<span class="error" id="intake-q1-error">This is required</span>' in body
    assert 'aria-invalid="true" aria-describedby="intake-q1-error"' in body
    # The error summary, which takes focus, links to the field.
    assert '<a href="#intake-q1">Where in the street is it?: This is required</a>' in body
    # What was typed is kept.
    assert "Deep hole by the bus stop" in body and 'value="12"' in body and 'value="PHF" checked' in body


def test_a_missing_service_and_address_are_both_reported(signed_in, city):
    form = pothole_form(service="", address="")
    body = htmx(signed_in("agnes"), "/staff/intake/file/", form, method="post").content.decode()
    assert "Choose the service the caller is asking for." in body
    assert "Give the address, or pick the point on the map." in body
    assert ServiceRequest.objects.count() == 0


def test_a_service_that_must_reach_the_caller_refuses_one_without_phone_or_email(signed_in, city):
    form = {"address": "200 W Main St", "service": "SCC", "attribute[CARTS]": ["BLACK", "BLUE"]}
    body = htmx(signed_in("agnes"), "/staff/intake/file/", form, method="post").content.decode()
    assert ServiceRequest.objects.count() == 0
    assert 'id="intake-email-error">Missed Garbage Pick-Up needs a way to reach you' in body
    assert 'value="BLUE" id="intake-q1-2" checked' in body
    form["email"] = "alice@example.org"
    htmx(signed_in("agnes"), "/staff/intake/file/", form, method="post")
    assert ServiceRequest.objects.get().attributes == {"CARTS": ["BLACK", "BLUE"]}


def test_filing_without_htmx_shows_the_whole_page(signed_in, city):
    response = signed_in("agnes").post("/staff/intake/file/", pothole_form())
    assert response.status_code == 200
    sr = ServiceRequest.objects.get()
    assert (
        "<h1>Call intake</h1>" in response.content.decode()
        and sr.service_request_id in response.content.decode()
    )


# --- following --------------------------------------------------------------------------------------------


def test_adding_the_caller_as_a_follower_works_and_is_idempotent(signed_in, city, actors):
    sr = file_request(city.pothole, contact=BERT)
    client = signed_in("agnes")
    caller = {"number": sr.service_request_id, "first_name": "Alice", "last_name": "Resident"}
    first = htmx(client, "/staff/intake/follow/", {**caller, "phone": "+1 312 555 0100"}, method="post")
    assert first.status_code == 200
    body = first.content.decode()
    assert "Added:" in body and "Alice Resident" in body and "already reported" in body
    follower = Follower.objects.get(request=sr, reason="caller")
    assert (follower.phone, follower.name) == ("+13125550100", "Alice Resident")
    event = sr.events.get(kind=EventKind.FOLLOWER_ADDED)
    assert event.actor == actors["agnes"] and event.channel == Channel.PHONE and not event.public
    # Again, the phone written another way: nothing new.
    again = htmx(client, "/staff/intake/follow/", {**caller, "phone": "(312) 555-0100"}, method="post")
    assert "Already following" in again.content.decode()
    assert Follower.objects.filter(request=sr, reason="caller").count() == 1
    assert sr.events.filter(kind=EventKind.FOLLOWER_ADDED).count() == 1


def test_a_follower_needs_a_phone_or_an_email(signed_in, city):
    sr = file_request(city.pothole, contact=BERT)
    body = htmx(
        signed_in("agnes"), "/staff/intake/follow/", {"number": sr.service_request_id}, method="post"
    ).content.decode()
    assert "Not added to" in body and Follower.objects.filter(reason="caller").count() == 0


def test_following_an_unknown_number_is_not_found(signed_in, city):
    response = signed_in("agnes").post("/staff/intake/follow/", {"number": "SR26-999999-0", "phone": "312"})
    assert response.status_code == 404


# --- the pure helpers ------------------------------------------------------------------------------------


def request_with(status, updated_datetime=MONDAY, **fields):
    """An unsaved request in `status` since `updated_datetime`, received on Monday, due the next Monday."""
    sr = ServiceRequest(
        service_request_id="SR26-000123-4",
        requested_datetime=MONDAY,
        expected_datetime=NEXT_MONDAY,
        **fields,
    )
    sr.set_status(status, updated_datetime)
    return sr


def words(sr, **kwargs):
    return status_in_words(sr, NOW, CHICAGO, **kwargs)


def test_a_new_request_is_received_with_the_date_to_expect():
    assert words(request_with(Status.NEW)) == (
        "Received on Monday 23 November; we expect to finish by Monday 30 November"
    )


def test_an_open_request_without_an_expected_date_says_so():
    sr = request_with(Status.NEW)
    sr.expected_datetime = None
    assert words(sr) == "Received on Monday 23 November; no date is set for it yet"


def test_work_under_way_says_since_when():
    tuesday = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
    assert words(request_with(Status.IN_PROGRESS), since=tuesday) == (
        "In progress since Tuesday 24 November; we expect to finish by Monday 30 November"
    )
    assert words(request_with(Status.SCHEDULED), since=tuesday).startswith("Work scheduled since Tuesday 24")
    assert words(request_with(Status.ACKNOWLEDGED), since=tuesday).startswith(
        "Received on Monday 23 November and acknowledged on Tuesday 24 November;"
    )


def test_an_open_request_past_its_date_is_overdue_first():
    sr = request_with(Status.IN_PROGRESS)
    sr.expected_datetime = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
    assert (
        words(sr, since=MONDAY)
        == "Overdue: expected by Tuesday 24 November; in progress since Monday 23 November"
    )


def test_closed_requests_say_how_and_when():
    wednesday = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    assert words(request_with(Status.FIXED, updated_datetime=wednesday)) == "Fixed on Wednesday 25 November"
    assert words(request_with(Status.CLOSED, updated_datetime=wednesday)) == "Closed on Wednesday 25 November"
    assert (
        words(request_with(Status.CANCELLED, updated_datetime=wednesday))
        == "Cancelled on Wednesday 25 November"
    )
    assert words(request_with(Status.NOT_RESPONSIBLE, updated_datetime=wednesday)) == (
        "Closed on Wednesday 25 November: not the city's responsibility"
    )
    assert words(request_with(Status.NO_FURTHER_ACTION, updated_datetime=wednesday)) == (
        "Closed on Wednesday 25 November: no further action needed"
    )
    referred = request_with(Status.REFERRED, updated_datetime=wednesday, status_notes="Referred to ComEd")
    assert words(referred) == "Referred on Wednesday 25 November: Referred to ComEd"
    assert words(request_with(Status.REFERRED, updated_datetime=wednesday)) == (
        "Referred to another body on Wednesday 25 November"
    )


def test_a_duplicate_names_the_original_and_where_that_one_stands():
    original = request_with(Status.IN_PROGRESS)
    original.service_request_id = "SR26-000100-7"
    duplicate = request_with(Status.DUPLICATE, parent=original)
    assert words(duplicate) == (
        "Closed as a duplicate of SR26-000100-7 on Monday 23 November. "
        "That one: in progress since Monday 23 November; we expect to finish by Monday 30 November"
    )


def test_a_date_of_another_year_says_the_year():
    sr = request_with(Status.FIXED, updated_datetime=datetime(2025, 11, 24, 15, 0, tzinfo=UTC))
    assert words(sr) == "Fixed on Monday 24 November 2025"


def test_dates_are_the_citys_days_not_utcs():
    late = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # Monday 21:00 in Springfield
    assert words(request_with(Status.FIXED, updated_datetime=late)) == "Fixed on Monday 23 November"


def test_the_search_box_text_is_read_as_what_it_looks_like():
    assert read_query("Alice@Example.org").email == "alice@example.org"
    assert read_query("(312) 555-0100").phone == "3125550100"
    assert read_query("+1 312 555 0100").phone == "3125550100"
    assert read_query("260001234").phone == "260001234"  # also tried as a number
    assert read_query("555 01").phone == ""  # too short to be anyone's
    assert read_query("200 W Main St").address == "200 W Main St"
    assert read_query("Alice  Resident").names == ("Alice", "Resident")
    terms = read_query("SR26-000123-4")
    assert (terms.email, terms.phone, terms.address, terms.names) == ("", "", "", ())


def test_datetime_local_text_gets_the_offset_of_that_day():
    assert local_to_w3c("2026-07-01T09:00", CHICAGO) == "2026-07-01T09:00:00-05:00"
    assert local_to_w3c("2026-12-01T09:00", CHICAGO) == "2026-12-01T09:00:00-06:00"
    assert local_to_w3c("yesterday", CHICAGO) == "yesterday"


def test_numbers_are_spoken_digit_by_digit_and_errors_find_their_field():
    assert speakable_digits("SR26-000123-4") == "2 6 0 0 0 1 2 3 4"
    assert field_for_error("attribute[WHERE]") == "attribute[WHERE]"
    assert field_for_error("lat/long") == "address"
    assert field_for_error("service_code") == "service"
    assert field_for_error("media") == "other"
