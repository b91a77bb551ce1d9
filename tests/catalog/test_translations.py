from django.utils import translation

from civic311.catalog.models import Service


def test_a_service_name_is_read_in_the_active_language(city):
    city.streetlight.translations = {"es": {"service_name": "Luz de calle apagada"}}
    city.streetlight.save()
    service = Service.objects.get(pk=city.streetlight.pk)
    with translation.override("es"):
        assert service.translated("service_name") == "Luz de calle apagada"
    with translation.override("es-mx"):
        assert service.translated("service_name") == "Luz de calle apagada"
    assert service.translated("service_name", "pl") == service.service_name
    assert service.translated("service_name", "en") == service.service_name


def test_an_empty_or_malformed_translation_falls_back_to_the_stored_text(city):
    city.pothole.translations = {"es": {"service_name": ""}, "pl": {"service_name": 42}}
    assert city.pothole.translated("service_name", "es") == city.pothole.service_name
    assert city.pothole.translated("service_name", "pl") == city.pothole.service_name
    assert city.pothole.translated("description", "fr") == city.pothole.description
