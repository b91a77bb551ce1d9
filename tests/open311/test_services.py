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


# --- the cached documents: ETag, 304, and a change seen at once --------------------------------


def test_the_catalog_carries_an_etag_and_answers_304_to_a_client_that_holds_it(client, city):
    first = client.get(f"{API}/services.json")
    etag = first["ETag"]
    assert etag.startswith('"') and first["Cache-Control"] == "public, no-cache"
    again = client.get(f"{API}/services.json", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert client.get(f"{API}/services.json", HTTP_IF_NONE_MATCH=f'"x", W/{etag}').status_code == 304
    assert client.get(f"{API}/services.json", HTTP_IF_NONE_MATCH="*").status_code == 304
    assert client.get(f"{API}/services.json", HTTP_IF_NONE_MATCH='"stale"').status_code == 200
    xml = client.get(f"{API}/services.xml")
    assert xml["ETag"] != etag  # each format is its own document
    assert client.get(f"{API}/services.xml", HTTP_IF_NONE_MATCH=xml["ETag"]).status_code == 304


def test_a_change_to_the_catalog_gives_a_new_document_and_etag_at_once(client, city):
    etag = client.get(f"{API}/services.json")["ETag"]
    city.graffiti.service_name = "Graffiti Gone"
    city.graffiti.save()
    changed = client.get(f"{API}/services.json", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert next(s for s in changed.json() if s["service_code"] == "GRAF")["service_name"] == "Graffiti Gone"


def test_a_definition_carries_an_etag_and_follows_its_questions(client, city):
    path = f"{API}/services/PHF.json"
    first = client.get(path)
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    question = city.pothole.attributes.first()
    question.description = "How deep is it, roughly?"
    question.save()
    changed = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert "How deep is it, roughly?" in {a["description"] for a in changed.json()["attributes"]}


def test_an_unchanged_catalog_is_served_without_a_query(client, city, django_assert_num_queries):
    client.get(f"{API}/services.json")
    client.get(f"{API}/services/PHF.json")
    with django_assert_num_queries(0):
        assert client.get(f"{API}/services.json").status_code == 200
        assert client.get(f"{API}/services/PHF.json").status_code == 200


def test_definitions_of_made_up_codes_are_refused_and_not_kept(client, city):
    from civic311.open311 import documents

    for n in range(50):
        assert client.get(f"{API}/services/NOPE{n}.json").status_code == 404
    assert not any(key[2].startswith("NOPE") for key in documents._definitions._entries)
