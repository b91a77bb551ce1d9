from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, Status
from tests.factories import file_request
from tests.open311.conftest import API, errors_of
from tests.open311.contract import parse_xml, validate_json, xml_to_records


def test_it_gives_one_request_as_an_array_of_one(client, created):
    response = client.get(f"{API}/requests/{created}.json")
    assert response.status_code == 200
    body = response.json()
    validate_json("requests", body)
    assert len(body) == 1 and body[0]["service_request_id"] == created
    assert body[0]["status"] == "open"
    assert body[0]["address"] == "100 W Main St"


def test_it_gives_one_request_in_xml(client, created):
    response = client.get(f"{API}/requests/{created}.xml")
    records = xml_to_records(parse_xml(response.content, "service_requests"), "request")
    assert [r["service_request_id"] for r in records] == [created]


def test_it_finds_a_request_by_the_digits_typed_on_a_keypad(client, created):
    digits = created.removeprefix("SR").replace("-", "")
    body = client.get(f"{API}/requests/{digits}.json").json()
    assert body[0]["service_request_id"] == created


def test_it_reflects_a_status_change_at_once(client, city, created):
    from civic311.servicerequests.models import ServiceRequest

    request = ServiceRequest.objects.get(service_request_id=created)
    actions.change_status(
        request, Status.IN_PROGRESS, actions.Actor(channel=Channel.STAFF), note="Crew on the way"
    )
    item = client.get(f"{API}/requests/{created}.json?extensions=true").json()[0]
    assert item["status"] == "open" and item["status_notes"] == "Crew on the way"
    assert item["extended_attributes"]["status_code"] == "in_progress"
    actions.change_status(request, Status.FIXED, actions.Actor(channel=Channel.STAFF), note="Filled")
    item = client.get(f"{API}/requests/{created}.json").json()[0]
    assert item["status"] == "closed" and item["status_notes"] == "Filled"


def test_an_unknown_request_is_404(client, city):
    response = client.get(f"{API}/requests/SR26-999999-0.json")
    assert response.status_code == 404
    assert "SR26-999999-0" in errors_of(response)[0]


def test_an_unknown_request_is_404_in_xml(client, city):
    response = client.get(f"{API}/requests/nope.xml")
    assert response.status_code == 404
    assert response["Content-Type"] == "text/xml; charset=utf-8"


def test_a_request_of_a_private_service_is_404(client, city):
    private = file_request(city.wellness)
    assert client.get(f"{API}/requests/{private.service_request_id}.json").status_code == 404
