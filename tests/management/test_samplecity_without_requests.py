"""The sample city's catalog and maps alone (civic311 init --sample-city --no-requests)."""

import pytest

from civic311.catalog.models import Jurisdiction, Service
from civic311.geo.models import District
from civic311.management import samplecity
from civic311.servicerequests.models import ServiceRequest

pytestmark = pytest.mark.skipif(
    not samplecity.CATALOG.exists(),
    reason=f"the sample city's catalog {samplecity.CATALOG} is not written yet",
)


def test_it_loads_the_catalog_and_the_wards_without_requests(db):
    report = samplecity.load(with_requests=False)
    assert report.requests is None
    assert not ServiceRequest.objects.exists()
    assert District.objects.filter(jurisdiction=report.jurisdiction, kind="ward").count() == 50
    assert Service.objects.filter(jurisdiction=report.jurisdiction, active=True).count() > 20


def test_it_is_the_default_jurisdiction_of_a_fresh_install(db):
    samplecity.load(with_requests=False)
    assert Jurisdiction.objects.default().jurisdiction_id == "chicago.example"


def test_it_leaves_the_default_jurisdiction_alone_when_there_is_one(city):
    samplecity.load(with_requests=False)
    assert Jurisdiction.objects.default() == city.jurisdiction
    assert not Jurisdiction.objects.get(jurisdiction_id="chicago.example").is_default


def test_loading_the_catalog_again_changes_nothing(db):
    samplecity.load(with_requests=False)
    before = (Service.objects.count(), District.objects.count())
    second = samplecity.load(with_requests=False)
    assert (Service.objects.count(), District.objects.count()) == before
    assert second.addresses_added == 0
