"""The live server of the browser tests shares the test database with the test, both ways, and takes
concurrent requests as a real deployment does."""

import pytest
from django.db import connection
from playwright.sync_api import Page, expect

from civic311.servicerequests.models import ServiceRequest
from tests.factories import CityFactory

# From the page: reads of the home page and the request list, and new requests posted at the same time.
CONCURRENT_READS_AND_WRITES = """async ([reads, writes, apiKey]) => {
  const get = (i) => fetch(i % 2 ? "/" : "/open311/v2/requests.json").then((r) => r.status);
  const post = (i) => fetch("/open311/v2/requests.json", {
    method: "POST",
    body: new URLSearchParams({
      api_key: apiKey, service_code: "GRAF", lat: "41.88", long: "-87.635", description: `Tag ${i}`,
    }),
  }).then((r) => r.status);
  return Promise.all([
    ...Array.from({length: reads}, (_, i) => get(i)),
    ...Array.from({length: writes}, (_, i) => post(i)),
  ]);
}"""


def test_what_the_test_commits_the_server_shows_and_what_it_writes_the_test_reads(page: Page):
    city = CityFactory().build()
    page.goto("/")
    response = page.request.post(
        "/open311/v2/requests.json",
        form={
            "api_key": city.raw_key,
            "service_code": "PHF",
            "lat": "41.88",
            "long": "-87.635",
            "attribute[WHERE]": "LANE",
            "description": "Deep one",
        },
    )
    assert response.status == 200, response.text()
    assert ServiceRequest.objects.get().description == "Deep one"
    page.reload()
    expect(page.locator("#counts")).to_contain_text("1 open request,")


def test_it_takes_concurrent_reads_and_writes(page: Page):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "Django's in-memory SQLite test database (shared cache) refuses a write concurrent with any "
            "other access ('database table is locked', not retried); a file-backed test database takes it"
        )
    city = CityFactory().build()
    page.goto("/")
    statuses = page.evaluate(CONCURRENT_READS_AND_WRITES, [20, 10, city.raw_key])
    assert statuses == [200] * 30
    assert ServiceRequest.objects.count() == 10
