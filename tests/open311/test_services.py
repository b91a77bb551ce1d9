from tests.open311.contract import parse_xml, validate_json, xml_to_records

API = "/open311/v2"


def test_it_lists_the_offered_services_in_json(client, city):
    response = client.get(f"{API}/services.json")
    assert response.status_code == 200
    body = response.json()
    validate_json("services", body)
    codes = {s["service_code"] for s in body}
    assert {"PHF", "SFD", "SCC", "GRAF", "WELL"} <= codes
    pothole = next(s for s in body if s["service_code"] == "PHF")
    assert pothole["metadata"] is True
    assert pothole["keywords"] == "pothole, hole, road damage"
    assert pothole["group"] == "Streets"
    graffiti = next(s for s in body if s["service_code"] == "GRAF")
    assert graffiti["metadata"] is False


def test_it_lists_the_services_in_xml_with_the_spec_element_names(client, city):
    response = client.get(f"{API}/services.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    records = xml_to_records(parse_xml(response.content, "services"), "service")
    pothole = next(r for r in records if r["service_code"] == "PHF")
    assert pothole["metadata"] == "true"
    assert pothole["type"] == "realtime"


def test_it_leaves_out_services_no_longer_offered(client, city):
    city.graffiti.active = False
    city.graffiti.save()
    codes = {s["service_code"] for s in client.get(f"{API}/services.json").json()}
    assert "GRAF" not in codes


def test_it_treats_an_empty_jurisdiction_id_as_absent(client, city):
    assert client.get(f"{API}/services.json?jurisdiction_id=").status_code == 200


def test_it_answers_404_for_an_unknown_jurisdiction(client, city):
    from tests.open311.conftest import errors_of

    response = client.get(f"{API}/services.json?jurisdiction_id=nowhere.example")
    assert response.status_code == 404
    assert "nowhere.example" in errors_of(response)[0]


def test_it_requires_jurisdiction_id_when_it_serves_several_without_a_default(client, city):
    from civic311.catalog.models import Jurisdiction
    from tests.open311.conftest import errors_of

    Jurisdiction.objects.update(is_default=False)
    Jurisdiction.objects.create(jurisdiction_id="shelbyville.example", name="Shelbyville")
    response = client.get(f"{API}/services.json")
    assert response.status_code == 400
    assert "jurisdiction_id" in errors_of(response)[0]
    named = client.get(f"{API}/services.json?jurisdiction_id=springfield.example")
    assert named.status_code == 200
    assert client.get(f"{API}/services.json?jurisdiction_id=shelbyville.example").json() == []
