"""Reporting a problem by text: what (matched to a service, or picked from a menu), the service's required
questions, where (geocoded and confirmed), an optional MMS photo, then the request and its number."""

import io

import pytest
from PIL import Image

from civic311.servicerequests.choices import Channel
from civic311.servicerequests.models import Follower, ServiceRequest
from civic311.sms.models import Conversation, Message, Step
from tests.factories import add_address

pytestmark = pytest.mark.django_db


def jpeg(width: int = 640, height: int = 480) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 90, 60)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_a_full_report_with_a_photo_sent_by_mms(alice, city, fake_twilio):
    photo_url = fake_twilio.serve("ME1.jpg", jpeg(), "image/jpeg")

    reply = alice.says("There is a big pothole in front of my house")
    assert "Where in the street is it?" in reply
    assert "1. Traffic lane" in reply

    assert "Where is it?" in alice.says("2")
    assert "Is it 100 W Main St? Reply YES or NO." in alice.says("100 west main street")
    assert "Send a photo" in alice.says("yes")
    reply = alice.says("", media=[(photo_url, "image/jpeg")])

    sr = ServiceRequest.objects.get()
    assert "Photo received." in reply
    assert f"Your report number is {sr.service_request_id}" in reply
    assert sr.service == city.pothole
    assert sr.channel == Channel.SMS
    assert sr.address == "100 W Main St"
    assert sr.attributes == {"WHERE": "CROSSWALK"}
    assert sr.description == "There is a big pothole in front of my house"
    assert sr.reporter_phone == "+13125550100"
    media = sr.media.get()
    assert media.content_type == "image/jpeg" and media.width == 640
    # Fetched from the provider with the account's credentials.
    assert fake_twilio.fetches[0].path == "/media/ME1.jpg"
    assert fake_twilio.fetches[0].authorization.startswith("Basic ")
    # The reporter follows it by text; the conversation is over.
    assert Follower.objects.get(request=sr).phone == "+13125550100"
    assert Conversation.objects.get().step == Step.IDLE
    assert Message.objects.filter(request_number=sr.service_request_id).count() == 1


def test_new_starts_a_report_and_skip_sends_it_without_a_photo(alice, city):
    assert "What is the problem?" in alice.says("NEW")
    assert "Is the light out or flickering?" in alice.says("street light out")
    assert "Where is it?" in alice.says("1")
    assert "Is it 200 W Main St?" in alice.says("200 W Main St")
    alice.says("YES")
    reply = alice.says("SKIP")
    sr = ServiceRequest.objects.get()
    assert sr.service == city.streetlight and sr.attributes == {"LIGHTOUT": "OUT"}
    assert sr.media.count() == 0
    assert sr.service_request_id in reply


def test_an_unclear_problem_gets_a_numbered_menu(alice, city):
    reply = alice.says("something is wrong")
    assert "Which fits best? Reply with its number:" in reply
    assert "Graffiti Removal" in reply
    menu = dict(line.split(". ", 1) for line in reply.split("\n")[1:])
    number = next(n for n, name in menu.items() if name == "Graffiti Removal")
    assert "Where is it?" in alice.says(number)
    assert Conversation.objects.get().data["service"] == "GRAF"


def test_a_wrong_menu_number_asks_again(alice, city):
    alice.says("something is wrong")
    assert "Please reply with one of these numbers" in alice.says("42")
    assert Conversation.objects.get().step == Step.PICK


def test_a_wrong_answer_to_a_question_asks_it_again(alice, city):
    alice.says("pothole")
    assert "Sorry, that is not one of the answers." in alice.says("7")
    assert "Where is it?" in alice.says("Bike lane")


def test_a_place_that_cannot_be_found_is_asked_again_clearly(alice, city):
    alice.says("graffiti")
    reply = alice.says("near the big tree")
    assert "We could not find “near the big tree” on the map." in reply
    assert "123 N Main St" in reply
    assert Conversation.objects.get().step == Step.WHERE
    assert not ServiceRequest.objects.exists()


def test_no_to_the_place_asks_where_again(alice, city):
    alice.says("graffiti")
    alice.says("100 W Main St")
    assert "Where is it, then?" in alice.says("no")
    assert "Is it 300 E Main St?" in alice.says("300 E Main St")


def test_two_crossing_streets_are_a_place(alice, city):
    add_address(city.jurisdiction, "150 N Oak Ave", 41.8805, -87.6355)
    alice.says("graffiti")
    assert "Is it Main St & Oak Ave?" in alice.says("Main St and Oak Ave")
    alice.says("yes")
    alice.says("skip")
    sr = ServiceRequest.objects.get()
    assert sr.address == "Main St & Oak Ave"
    assert sr.lat == pytest.approx(41.88025) and sr.districts.get().code == "1"


def test_a_file_that_is_not_a_photo_is_refused_and_the_report_goes_on(alice, city, fake_twilio):
    pdf = fake_twilio.serve("ME2.pdf", b"%PDF-1.4 not a photo", "application/pdf")
    alice.says("graffiti")
    alice.says("100 W Main St")
    alice.says("yes")
    reply = alice.says("", media=[(pdf, "application/pdf")])
    sr = ServiceRequest.objects.get()
    assert "We could not use the file you sent (it is application/pdf)" in reply
    assert sr.service_request_id in reply
    assert sr.media.count() == 0
    assert fake_twilio.fetches == []  # not even fetched


def test_a_file_that_claims_to_be_a_photo_but_is_not_is_refused(alice, city, fake_twilio):
    fake = fake_twilio.serve("ME3.jpg", b"<html>hello</html>", "image/jpeg")
    alice.says("graffiti")
    alice.says("100 W Main St")
    alice.says("yes")
    reply = alice.says("", media=[(fake, "image/jpeg")])
    assert "We could not use the file you sent" in reply
    assert ServiceRequest.objects.get().media.count() == 0


def test_a_photo_larger_than_the_cap_is_refused(alice, city, fake_twilio, settings):
    settings.CIVIC311_MAX_UPLOAD_BYTES = 1000
    big = fake_twilio.serve("ME4.jpg", jpeg(), "image/jpeg")
    alice.says("graffiti")
    alice.says("100 W Main St")
    alice.says("yes")
    assert "it is larger than" in alice.says("", media=[(big, "image/jpeg")])
    assert ServiceRequest.objects.get().media.count() == 0


def test_a_photo_sent_with_the_first_message_joins_the_report(alice, city, fake_twilio):
    photo = fake_twilio.serve("ME5.jpg", jpeg(), "image/jpeg")
    alice.says("graffiti on the wall", media=[(photo, "image/jpeg")])
    alice.says("100 W Main St")
    reply = alice.says("yes")  # no photo asked for: it came already
    sr = ServiceRequest.objects.get()
    assert "Photo received." in reply and sr.media.count() == 1


def test_words_sent_at_the_photo_step_join_the_description(alice, city):
    alice.says("graffiti")
    alice.says("100 W Main St")
    alice.says("yes")
    alice.says("It is on the side of the bakery")
    assert ServiceRequest.objects.get().description == "graffiti\nIt is on the side of the bakery"


def test_a_place_outside_the_city_is_refused_and_asked_again(alice, city):
    add_address(city.jurisdiction, "1 Rue de Rivoli", 48.8566, 2.3522)
    alice.says("graffiti")
    alice.says("1 Rue de Rivoli")
    reply = alice.says("yes")
    reply = alice.says("skip") if "photo" in reply else reply
    assert "The city could not take this report" in reply
    assert not ServiceRequest.objects.exists()
    assert Conversation.objects.get().step == Step.WHERE


def test_a_private_service_is_not_offered(alice, city):
    assert "Wellness" not in alice.says("something is wrong")


def test_markup_in_the_description_is_refused_with_the_reason_and_nothing_is_filed(alice, city):
    alice.says("graffiti <b>now</b>")
    alice.says("100 W Main St")
    alice.says("yes")
    reply = alice.says("skip")
    assert "The city could not take this report (description contains HTML markup" in reply
    assert "Text NEW to start again." in reply
    assert not ServiceRequest.objects.exists()
    assert Conversation.objects.get().step == Step.IDLE
