from tests.open311.contract import parse_xml, validate_json, xml_to_value


def test_it_describes_the_endpoint_in_json(client, city):
    response = client.get("/open311/discovery.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    validate_json("discovery", body)
    endpoint = body["endpoints"][0]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert body["contact"] == "Springfield 311"


def test_it_describes_the_endpoint_in_xml(client, city):
    response = client.get("/open311/discovery.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = parse_xml(response.content, "discovery")
    document = xml_to_value(root)
    assert document["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert document["endpoints"][0]["type"] == "production"
