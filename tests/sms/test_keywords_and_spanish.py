"""STOP, START, HELP and their Spanish words; a conversation in Spanish."""

import pytest

from civic311.notify.sms import optouts
from civic311.servicerequests.models import ServiceRequest
from civic311.sms.models import Conversation
from tests.factories import file_request

pytestmark = pytest.mark.django_db


def test_help_says_what_can_be_done(alice):
    reply = alice.says("HELP")
    assert "Springfield 311 by text" in reply and "STOP" in reply and "911" in reply


def test_an_empty_text_gets_the_help(alice):
    assert "Springfield 311 by text" in alice.says("")
    assert "Springfield 311 by text" in alice.says("   ")


@pytest.mark.parametrize("word", ["STOP", "stop", "Unsubscribe", "QUIT", "Stop."])
def test_stop_ends_texts_to_the_number(alice, word):
    assert "You will get no more texts from Springfield 311" in alice.says(word)
    assert optouts.is_stopped(Conversation.objects.get().phone)


def test_after_stop_nothing_is_answered_but_help_and_start(alice, city):
    alice.says("STOP")
    assert alice.says("pothole") == ""
    assert not ServiceRequest.objects.exists()
    assert "Springfield 311 by text" in alice.says("HELP")
    assert "back on" in alice.says("START")
    assert not optouts.is_stopped(Conversation.objects.get().phone)
    assert "Where in the street is it?" in alice.says("pothole")


def test_stop_in_the_middle_of_a_report_ends_it(alice, city):
    alice.says("pothole")
    alice.says("STOP")
    alice.says("START")
    assert Conversation.objects.get().step == "idle"


def test_a_message_in_spanish_is_answered_in_spanish(alice, city):
    city.pothole.translations = {"es": {"service_name": "Bache en la calle"}}
    city.pothole.save()
    reply = alice.says("Hola, hay un bache en la calle")
    assert "Responda con un número:" in reply
    assert Conversation.objects.get().language == "es"
    assert "Bache en la calle. ¿Dónde está?" in alice.says("1")
    assert "¿Es 100 W Main St? Responda SÍ o NO." in alice.says("100 W Main St")
    assert "Envíe una foto" in alice.says("sí")
    reply = alice.says("omitir")
    sr = ServiceRequest.objects.get()
    assert f"El número de su reporte es {sr.service_request_id}" in reply
    assert "lo recibimos y lo revisaremos pronto" in reply
    assert sr.reporter_language == "es"


def test_espanol_switches_to_spanish_and_english_back(alice, city):
    assert "311 de Springfield por texto" in alice.says("ESPAÑOL")
    assert "¿Cuál es el problema?" in alice.says("NUEVO")
    assert "Springfield 311 by text" in alice.says("english")
    assert Conversation.objects.get().language == "en"


def test_parar_stops_in_spanish(alice):
    assert "No recibirá más textos del 311 de Springfield" in alice.says("PARAR")
    assert optouts.is_stopped(Conversation.objects.get().phone)


def test_ayuda_and_parar_are_spanish(alice):
    assert "311 de Springfield por texto" in alice.says("AYUDA")
    assert "No recibirá más textos del 311 de Springfield" in alice.says("PARAR")
    assert "activados de nuevo" in alice.says("COMENZAR")


def test_status_in_spanish(alice, city):
    sr = file_request(city.pothole)
    alice.says("ESPAÑOL")
    reply = alice.says(f"ESTADO {sr.service_request_id}")
    assert "lo recibimos y lo revisaremos pronto" in reply
    assert " en " in reply  # " en <address>"
