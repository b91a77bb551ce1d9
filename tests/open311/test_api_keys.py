"""Where a write's API key may come from: the form body or the X-Api-Key header, never the URL, which
access logs keep (a key in the URL is refused, and nothing is stored)."""

from civic311.servicerequests.models import ServiceRequest
from tests.open311.conftest import API, pothole_form


def test_a_key_in_the_url_is_refused_and_nothing_is_stored(client, city):
    form = pothole_form(city)
    key = form.pop("api_key")
    response = client.post(f"{API}/requests.json?api_key={key}", form)
    assert response.status_code == 400
    assert "never in the URL" in response.json()[0]["description"]
    assert ServiceRequest.objects.count() == 0


def test_a_key_in_the_url_is_refused_even_beside_one_in_the_body(client, city):
    form = pothole_form(city)
    response = client.post(f"{API}/requests.xml?api_key=x", form)
    assert response.status_code == 400
    assert b"never in the URL" in response.content
    assert ServiceRequest.objects.count() == 0


def test_the_key_may_come_in_the_x_api_key_header(client, city):
    form = pothole_form(city)
    key = form.pop("api_key")
    response = client.post(f"{API}/requests.json", form, headers={"X-Api-Key": key})
    assert response.status_code == 200, response.content
    assert ServiceRequest.objects.count() == 1


def test_a_wrong_key_in_the_header_is_refused(client, city):
    form = pothole_form(city)
    form.pop("api_key")
    response = client.post(f"{API}/requests.json", form, headers={"X-Api-Key": "c311_wrong"})
    assert response.status_code == 403
    assert ServiceRequest.objects.count() == 0


def test_a_key_revoked_after_use_is_refused_at_the_next_call(client, city):
    from civic311.accounts.models import ApiKey

    assert client.post(f"{API}/requests.json", pothole_form(city)).status_code == 200  # the key is held now
    key = ApiKey.objects.get()
    key.revoke()
    response = client.post(f"{API}/requests.json", pothole_form(city))
    assert response.status_code == 403
    assert "revoked" in response.json()[0]["description"]
    assert ServiceRequest.objects.count() == 1


def test_a_new_key_works_at_its_first_call(client, city):
    from civic311.accounts.models import ApiKey

    assert client.post(f"{API}/requests.json", pothole_form(city)).status_code == 200
    _, raw = ApiKey.create("Another client")
    assert client.post(f"{API}/requests.json", pothole_form(city, api_key=raw)).status_code == 200


def test_last_used_is_written_once_a_minute_not_on_every_call(client, city):
    from civic311.accounts.models import ApiKey

    client.post(f"{API}/requests.json", pothole_form(city))
    first = ApiKey.objects.get().last_used_at
    assert first is not None
    client.post(f"{API}/requests.json", pothole_form(city))
    assert ApiKey.objects.get().last_used_at == first
