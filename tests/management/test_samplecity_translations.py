"""The sample city in Spanish and Polish: every service, question and answer a resident reads."""

import pytest

from civic311.catalog.models import AttributeValue, Service, ServiceAttribute
from civic311.management import samplecity

pytestmark = pytest.mark.skipif(
    not samplecity.CATALOG.exists(),
    reason=f"the sample city's catalog {samplecity.CATALOG} is not written yet",
)

LANGUAGES = ("es", "pl")


@pytest.fixture
def sample_city(db):
    return samplecity.load(with_requests=False).jurisdiction


def untranslated(objects, fields) -> list[str]:
    """Each object's missing or untranslated (same as the English) text, as 'language field: English'."""
    missing = []
    for obj in objects:
        for language in LANGUAGES:
            for field in fields:
                text = (obj.translations or {}).get(language, {}).get(field)
                if not isinstance(text, str) or not text.strip():
                    missing.append(f"{language} {field}: {getattr(obj, field)}")
    return missing


def test_every_offered_service_has_a_spanish_and_polish_name_description_and_group(sample_city):
    services = Service.objects.filter(jurisdiction=sample_city).offered()
    assert services.count() > 20
    assert untranslated(services, ["service_name", "description", "group"]) == []


def test_every_question_and_answer_is_translated(sample_city):
    attributes = ServiceAttribute.objects.filter(service__jurisdiction=sample_city)
    values = AttributeValue.objects.filter(attribute__service__jurisdiction=sample_city)
    assert attributes.exists() and values.exists()
    assert untranslated(attributes, ["description"]) == []
    assert untranslated(values, ["name"]) == []


def test_the_services_read_in_spanish_and_polish(sample_city):
    light = Service.objects.get(jurisdiction=sample_city, service_code="SFD")
    assert light.translated("service_name", "es") == "Luz de calle apagada"
    assert light.translated("service_name", "pl") == "Nie świeci latarnia uliczna"
    assert light.translated("service_name", "en") == "Street Light Out Complaint"
    value = AttributeValue.objects.filter(attribute__service=light).first()
    assert value.translated("name", "es") != value.name


def test_loading_again_keeps_and_updates_the_translations(sample_city):
    light = Service.objects.get(jurisdiction=sample_city, service_code="SFD")
    light.translations = {}
    light.save()
    attribute = light.attributes.first()
    attribute.translations = {"es": {"description": "edited"}}
    attribute.save()
    samplecity.load(with_requests=False)
    samplecity.load(with_requests=False)
    light.refresh_from_db()
    attribute.refresh_from_db()
    assert light.translated("service_name", "es") == "Luz de calle apagada"
    assert attribute.translated("description", "es") != "edited"
    assert set(attribute.translations) == set(LANGUAGES)
    assert Service.objects.filter(jurisdiction=sample_city, service_code="SFD").count() == 1


def test_the_report_page_lists_the_services_in_the_residents_language(client, sample_city):
    spanish = client.get("/report/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Luz de calle apagada" in spanish and "Bache en la calle" in spanish
    client.cookies["django_language"] = "pl"
    polish = client.get("/report/").content.decode()
    assert "Nie świeci latarnia uliczna" in polish and "Dziura w jezdni" in polish


def test_the_report_page_groups_the_services_under_translated_headings(client, sample_city):
    group = Service.objects.exclude(group="").order_by("service_code").first()
    spanish = group.translated("group", "es")
    assert spanish and spanish != group.group
    page = client.get("/report/", headers={"Accept-Language": "es"}).content.decode()
    assert spanish in page
