import uuid

from civic311.servicerequests.models import ServiceRequest
from tests.open311.conftest import API, errors_of
from tests.open311.contract import parse_xml, validate_json, xml_to_records


def test_a_token_gives_the_request_number(client, created):
    token = ServiceRequest.objects.get(service_request_id=created).token
    body = client.get(f"{API}/tokens/{token}.json").json()
    validate_json("tokens", body)
    assert body == [{"token": str(token), "service_request_id": created}]


def test_a_token_in_xml(client, created):
    token = ServiceRequest.objects.get(service_request_id=created).token
    records = xml_to_records(
        parse_xml(client.get(f"{API}/tokens/{token}.xml").content, "service_requests"), "request"
    )
    assert records == [{"token": str(token), "service_request_id": created}]


def test_an_unknown_token_is_404(client, city):
    response = client.get(f"{API}/tokens/{uuid.uuid4()}.json")
    assert response.status_code == 404
    assert "token" in errors_of(response)[0]


def test_a_malformed_token_is_404(client, city):
    response = client.get(f"{API}/tokens/'%3B%20DROP%20TABLE%20x.json")
    assert response.status_code == 404
