from tests.open311.conftest import errors_of
from tests.open311.contract import parse_xml, validate_json, xml_to_value

API = "/open311/v2"


def test_it_gives_the_questions_of_a_service_in_json(client, city):
    response = client.get(f"{API}/services/PHF.json")
    assert response.status_code == 200
    body = response.json()
    validate_json("service_definition", body)
    assert body["service_code"] == "PHF"
    where, size, seen = body["attributes"]
    assert where["code"] == "WHERE" and where["datatype"] == "singlevaluelist" and where["required"] is True
    assert [v["key"] for v in where["values"]] == ["LANE", "CROSSWALK", "BIKE"]
    assert size["datatype"] == "number" and "values" not in size
    assert seen["datatype"] == "datetime"
    assert [a["order"] for a in body["attributes"]] == [1, 2, 3]


def test_it_gives_the_questions_in_xml(client, city):
    response = client.get(f"{API}/services/SCC.xml")
    document = xml_to_value(parse_xml(response.content, "service_definition"))
    carts = document["attributes"][0]
    assert carts["datatype"] == "multivaluelist"
    assert [v["key"] for v in carts["values"]] == ["BLACK", "BLUE", "YARD"]


def test_it_answers_404_for_an_unknown_service(client, city):
    response = client.get(f"{API}/services/NOPE.json")
    assert response.status_code == 404
    assert "NOPE" in errors_of(response)[0]


def test_it_answers_404_in_xml_for_an_unknown_service(client, city):
    response = client.get(f"{API}/services/NOPE.xml")
    assert response.status_code == 404
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert "NOPE" in errors_of(response)[0]
