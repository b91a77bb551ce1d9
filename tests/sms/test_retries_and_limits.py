"""The provider's retries, floods and odd messages: a retried MessageSid changes nothing, a number that
sends too much is refused politely, messages while a report is in progress join it."""

import pytest

from civic311.servicerequests.models import ServiceRequest
from civic311.sms.models import Conversation, Message, Step

pytestmark = pytest.mark.django_db


def file_graffiti(alice, last_sid: str):
    alice.says("graffiti")
    alice.says("100 W Main St")
    alice.says("yes")
    return alice.text("skip", sid=last_sid)


def test_a_retried_message_files_no_second_request_and_gets_the_same_reply(alice, city):
    first = file_graffiti(alice, "SM" + "7" * 32)
    again = alice.text("skip", sid="SM" + "7" * 32)
    assert again.status_code == 200
    assert again.content == first.content
    assert ServiceRequest.objects.count() == 1
    assert Message.objects.filter(sid="SM" + "7" * 32).count() == 1


def test_a_retried_step_does_not_move_the_conversation_twice(alice, city):
    alice.says("pothole", sid="SM" + "1" * 32)
    alice.says("1", sid="SM" + "2" * 32)
    assert Conversation.objects.get().step == Step.WHERE
    reply = alice.says("1", sid="SM" + "2" * 32)  # the same webhook again
    assert "Where is it?" in reply
    assert Conversation.objects.get().data["answers"] == {"WHERE": "LANE"}


def test_more_than_twenty_messages_in_ten_minutes_are_refused_politely(alice, city):
    for _ in range(20):
        assert "Springfield 311 by text" in alice.says("HELP")
    reply = alice.says("pothole")
    assert "You have sent many messages in a short time" in reply
    assert Conversation.objects.get().step == Step.IDLE  # nothing but the log
    assert Message.objects.count() == 21


def test_the_limit_is_per_number(alice, city, client):
    from tests.sms.conftest import Phone

    for _ in range(21):
        alice.says("HELP")
    bob = Phone(client, number="+13125550111")
    assert "Springfield 311 by text" in bob.says("HELP")


def test_a_2000_character_text_is_refused_with_a_clear_message(alice, city):
    reply = alice.says("pothole " * 250)
    assert "That message is too long (1999 characters). Please keep it under 1600." in reply
    assert Conversation.objects.get().step == Step.IDLE
    assert not ServiceRequest.objects.exists()


def test_control_characters_are_dropped(alice, city):
    reply = alice.says("graf\x00fiti\x1b")
    assert "Where is it?" in reply
    assert Message.objects.get().body == "graffiti"


def test_messages_during_a_report_join_it(alice, city):
    alice.says("pothole")
    alice.says("2")
    reply = alice.says("it is big")  # not a place: asked again, still the same report
    assert "We could not find" in reply
    assert Conversation.objects.get().data["service"] == "PHF"


def test_new_restarts_a_report(alice, city):
    alice.says("pothole")
    assert "What is the problem?" in alice.says("new")
    assert Conversation.objects.get().data == {}


def test_a_status_query_during_a_report_keeps_the_report(alice, city):
    from tests.factories import file_request

    sr = file_request(city.graffiti)
    alice.says("pothole")
    assert sr.service_request_id in alice.says(f"STATUS {sr.service_request_id}")
    assert Conversation.objects.get().step == Step.QUESTION


def test_html_in_a_text_cannot_break_the_twiml(alice, city):
    reply = alice.text("</Message><Dial>+1900</Dial>")
    assert b"<Dial>" not in reply.content
    assert b"&lt;/Message&gt;" in reply.content or b"Which fits best" in reply.content
