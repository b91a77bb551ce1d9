"""Reporter contact details and internal notes never leave in a public response; private services'
requests are absent from every public list. Each public endpoint is read in both formats."""

import pytest

from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, Status
from civic311.servicerequests.intake import Contact
from tests.factories import file_request
from tests.open311.conftest import API

SECRETS = [
    "alice.secret@example.org",
    "+1 312 555 0199",
    "Alicia",
    "Secretson",
    "device-xyz-123",
    "acct-42",
    "INTERNAL crew 7 note",
]


@pytest.fixture
def filed(city):
    contact = Contact(
        email=SECRETS[0],
        phone=SECRETS[1],
        first_name=SECRETS[2],
        last_name=SECRETS[3],
        device_id=SECRETS[4],
        account_id=SECRETS[5],
    )
    public = file_request(city.pothole, contact=contact, description="Hole by the bus stop")
    staff = actions.Actor(channel=Channel.STAFF)
    actions.add_note(public, SECRETS[6], staff, public=False)
    actions.change_status(public, Status.IN_PROGRESS, staff, note="Crew assigned")
    private = file_request(city.wellness, contact=contact, description="Check on my neighbour")
    return public, private


def public_urls(public, private):
    urls = []
    for fmt in ("json", "xml"):
        urls += [
            f"{API}/requests.{fmt}",
            f"{API}/requests.{fmt}?extensions=true",
            f"{API}/requests/{public.service_request_id}.{fmt}?extensions=true",
            f"{API}/requests.{fmt}?service_request_id={public.service_request_id},{private.service_request_id}",
            f"{API}/requests.{fmt}?q=neighbour",
            f"{API}/servicerequestupdates.{fmt}",
            f"{API}/tokens/{public.token}.{fmt}",
        ]
    return urls


def test_no_public_response_holds_contact_details_or_internal_notes(client, filed):
    public, private = filed
    for url in public_urls(public, private):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in SECRETS:
            assert secret not in body, f"{secret!r} leaked by {url}"


def test_requests_of_private_services_are_absent_from_public_lists(client, filed):
    public, private = filed
    for url in public_urls(public, private):
        body = client.get(url).content.decode()
        assert private.service_request_id not in body, url
        assert "Check on my neighbour" not in body, url
    assert client.get(f"{API}/requests/{private.service_request_id}.json").status_code == 404


def test_the_public_sees_the_public_note(client, filed):
    public, _ = filed
    item = client.get(f"{API}/requests/{public.service_request_id}.json?extensions=true").json()[0]
    assert item["status_notes"] == "Crew assigned"
    assert "Crew assigned" in [n["description"] for n in item["notes"]]


def test_making_a_service_private_hides_its_requests_at_once(client, city):
    request = file_request(city.graffiti)
    assert client.get(f"{API}/requests/{request.service_request_id}.json").status_code == 200
    city.graffiti.private = True
    city.graffiti.save()
    assert client.get(f"{API}/requests/{request.service_request_id}.json").status_code == 404
    assert (
        request.service_request_id
        not in client.get(f"{API}/requests.json?service_code=GRAF").content.decode()
    )
    city.graffiti.private = False
    city.graffiti.save()
    assert client.get(f"{API}/requests/{request.service_request_id}.json").status_code == 200
