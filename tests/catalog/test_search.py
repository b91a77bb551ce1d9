"""The one service search (catalog/search.py): the report page, the call-centre intake and texts use it."""

from civic311.catalog.models import Service
from civic311.catalog.search import rank


def test_service_search_ranks_the_best_fit_first(city):
    services = [city.pothole, city.streetlight, city.garbage, city.graffiti, city.wellness]
    assert rank(services, "street light") == [city.streetlight]
    assert rank(services, "PHF") == [city.pothole]
    assert rank(services, "st")[0] == city.streetlight  # the name starts with it
    assert rank(services, "") == services
    assert rank(services, "zebra") == []


def test_a_synonym_of_ours_finds_what_the_catalog_calls_otherwise(city):
    services = [city.pothole, city.streetlight, city.garbage, city.graffiti]
    assert rank(services, "trash") == [city.garbage]
    assert rank(services, "dark street") == [city.streetlight]


def test_the_listed_services_leave_out_the_private_and_inactive_ones(city):
    city.graffiti.active = False
    city.graffiti.save()
    listed = list(Service.objects.listed(city.jurisdiction))
    assert city.wellness not in listed and city.graffiti not in listed and city.pothole in listed
    assert Service.objects.listed(city.jurisdiction).search("wellness") == []
