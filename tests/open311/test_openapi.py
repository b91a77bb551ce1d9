def test_the_json_api_has_an_openapi_document(client, city):
    response = client.get("/open311/openapi.json")
    assert response.status_code == 200
    document = response.json()
    paths = document["paths"]
    for path in (
        "/open311/v2/requests.{fmt}",
        "/open311/v2/services/{service_code}.{fmt}",
        "/open311/v2/servicerequestupdates.{fmt}",
        "/open311/discovery.{fmt}",
    ):
        assert path in paths
    parameters = {p["name"] for p in paths["/open311/v2/requests.{fmt}"]["get"]["parameters"]}
    assert {"service_code", "start_date", "updated_after", "page_size", "bbox", "q"} <= parameters
    assert "RequestOut" in str(document["components"]["schemas"])
