"""What a resident reads beyond the portal's own templates speaks Spanish and Polish too: the notify pages
(area alerts, the survey, unsubscribe, a bad link), a request's status on its tracking page, and the
refusals of the report form (a photo that is no image). English stays the default.

The pages need the compiled catalogs (`make messages`, which `make test` runs first)."""

import io
import uuid

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civic311.notify.email import tokens
from civic311.notify.models import AreaAlert
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Status
from civic311.servicerequests.models import Media, ServiceRequest
from tests.factories import INSIDE_WARD_1, file_request
from tests.notify.test_email_updates import STAFF

pytestmark = pytest.mark.django_db

AREA_ALERTS = {"en": "Area alerts", "es": "Alertas de zona", "pl": "Alerty dla okolicy"}
ENTER_YOUR_EMAIL = {
    "en": "Enter your email address.",
    "es": "Introduzca su dirección de correo electrónico.",
    "pl": "Podaj swój adres e-mail.",
}
HOW_DID_WE_DO = {"en": "How did we do?", "es": "¿Qué tal lo hicimos?", "pl": "Jak nam poszło?"}
VERY_SATISFIED = {"en": "5: very satisfied", "es": "5: muy satisfecho", "pl": "5: bardzo zadowolony"}
ANSWER_SAVED = {"en": "was saved", "es": "Se guardó su respuesta", "pl": "została zapisana"}
STOP_EMAILS = {
    "en": "Stop getting emails about request %s?",
    "es": "¿Dejar de recibir correos sobre la solicitud %s?",
    "pl": "Przestać otrzymywać e-maile o zgłoszeniu %s?",
}
NO_MORE_EMAILS = {
    "en": "You will not get any more emails about request %s.",
    "es": "No recibirá más correos sobre la solicitud %s.",
    "pl": "Nie otrzymasz już więcej e-maili o zgłoszeniu %s.",
}
LINK_NOT_VALID = {"en": "Link not valid", "es": "Enlace no válido", "pl": "Nieprawidłowy link"}
IN_PROGRESS = {"en": "In progress", "es": "En curso", "pl": "W toku"}
FIXED = {"en": "Fixed", "es": "Arreglada", "pl": "Naprawione"}


@pytest.fixture(autouse=True)
def compiled_catalogs():
    for language in ["es", "pl"]:
        po = settings.BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po"
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            pytest.fail(f"{mo} is missing or older than its .po: run `make messages`")


def speaking(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


# --- area alerts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es", "pl"])
def test_the_alerts_page_speaks_the_visitors_language(client, city, language):
    page = speaking(client, language).get("/notify/alerts/").content.decode()
    assert f'<html lang="{language}">' in page
    assert AREA_ALERTS[language] in page
    if language != "en":
        for english in ["Area alerts", "Radius in metres", "Which problems", "Subscribe</button>"]:
            assert english not in page


@pytest.mark.parametrize("language", ["es", "pl"])
def test_an_alerts_form_error_is_in_the_visitors_language_and_stores_nothing(client, city, language):
    data = {"email": "", "area": "ward", "district": str(city.wards[1].pk), "new_requests": "on"}
    response = speaking(client, language).post("/notify/alerts/", {**data, "frequency": "immediate"})
    assert response.status_code == 400
    assert ENTER_YOUR_EMAIL[language] in response.content.decode()
    assert not AreaAlert.objects.exists()


def test_the_alert_sent_page_in_polish(client, city):
    data = {"email": "sasiad@example.org", "area": "ward", "district": str(city.wards[1].pk)}
    response = speaking(client, "pl").post(
        "/notify/alerts/", {**data, "new_requests": "on", "frequency": "daily"}
    )
    assert response.status_code == 200
    assert "Wysłaliśmy link na adres sasiad@example.org" in response.content.decode()


@pytest.mark.parametrize("language", ["es", "pl"])
def test_a_forged_link_is_refused_in_the_visitors_language(client, city, language):
    response = speaking(client, language).get("/notify/alerts/confirm/forged-token")
    assert response.status_code in (400, 404)
    page = response.content.decode()
    assert LINK_NOT_VALID[language] in page and "Link not valid" not in page


# --- the survey and unsubscribe -------------------------------------------------------------------------


@pytest.fixture
def closed_request(city):
    request = file_request(city.pothole)
    actions.change_status(request, Status.FIXED, STAFF)
    return request


@pytest.mark.parametrize("language", ["es", "pl"])
def test_the_survey_asks_and_thanks_in_the_visitors_language(client, closed_request, language):
    path = f"/notify/survey/{tokens.survey_token(closed_request.followers.get().pk)}"
    page = speaking(client, language).get(path).content.decode()
    assert HOW_DID_WE_DO[language] in page and VERY_SATISFIED[language] in page
    assert "How did we do?" not in page and "very satisfied" not in page
    done = client.post(path, {"score": "5", "comment": ""})
    assert done.status_code == 200
    assert ANSWER_SAVED[language] in done.content.decode()


@pytest.mark.parametrize("language", ["es", "pl"])
def test_unsubscribing_asks_and_answers_in_the_visitors_language(client, city, language):
    request = file_request(city.pothole)
    path = f"/notify/unsubscribe/{tokens.unsubscribe_token('f', request.followers.get().pk)}"
    number = request.service_request_id
    page = speaking(client, language).get(path).content.decode()
    assert STOP_EMAILS[language] % number in page
    done = client.post(path).content.decode()
    assert NO_MORE_EMAILS[language] % number in done


def test_english_stays_the_default(client, closed_request):
    path = f"/notify/survey/{tokens.survey_token(closed_request.followers.get().pk)}"
    page = client.get(path).content.decode()
    assert '<html lang="en">' in page and HOW_DID_WE_DO["en"] in page


# --- the status on the tracking page ----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es", "pl"])
def test_the_tracking_page_shows_the_status_in_the_visitors_language(client, city, language):
    request = file_request(city.pothole)
    actions.change_status(request, Status.IN_PROGRESS, STAFF)
    page = speaking(client, language).get(f"/track/{request.service_request_id}").content.decode()
    assert IN_PROGRESS[language] in page
    if language != "en":
        assert "In progress" not in page


@pytest.mark.parametrize("language", ["es", "pl"])
def test_a_closed_request_says_so_in_the_visitors_language(client, closed_request, language):
    page = speaking(client, language).get(f"/track/{closed_request.service_request_id}").content.decode()
    assert FIXED[language] in page and ">Fixed<" not in page


# --- a refusal of the report form -------------------------------------------------------------------------


def test_a_photo_that_is_no_image_is_refused_in_spanish_and_nothing_is_stored(client, city):
    good = io.BytesIO()
    Image.new("RGB", (64, 48)).save(good, format="JPEG")
    data = {
        "draft_key": str(uuid.uuid4()),
        "service": "PHF",
        "q_WHERE": "LANE",
        "action": "submit",
        "lat": str(INSIDE_WARD_1[0]),
        "long": str(INSIDE_WARD_1[1]),
        "photos": [
            SimpleUploadedFile("bien.jpg", good.getvalue(), content_type="image/jpeg"),
            SimpleUploadedFile("gato.jpg", b"MZ\x90\x00 no es una imagen", content_type="image/jpeg"),
        ],
    }
    response = speaking(client, "es").post("/report/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "gato.jpg no es una imagen (su contenido no es JPEG, PNG, WebP ni GIF)" in page
    assert "is not an image" not in page and "This photo cannot be accepted" not in page
    assert not ServiceRequest.objects.exists() and not Media.objects.exists()


def test_a_missing_answer_is_asked_for_in_spanish(client, city):
    data = {
        "draft_key": str(uuid.uuid4()),
        "service": "PHF",
        "action": "submit",
        "lat": str(INSIDE_WARD_1[0]),
        "long": str(INSIDE_WARD_1[1]),
    }
    response = speaking(client, "es").post("/report/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in page and "Responda a esta pregunta." in page
    assert "Please answer this question." not in page
    assert not ServiceRequest.objects.exists()
