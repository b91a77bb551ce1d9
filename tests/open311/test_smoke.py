import json

import pytest


@pytest.mark.django_db
def test_smoke(city, api):
    r = api.post(
        "/open311/v2/requests.json",
        {
            "api_key": city.raw_key,
            "service_code": "PHF",
            "lat": "41.88",
            "long": "-87.635",
            "attribute[WHERE]": "LANE",
            "description": "Big hole",
            "email": "alice@example.org",
        },
    )
    print(r.status_code, r.content)
    assert r.status_code == 200
    sid = r.json()[0]["service_request_id"]
    r = api.get(f"/open311/v2/requests/{sid}.json?extensions=true")
    print(json.dumps(r.json(), indent=1))
    r = api.get("/open311/v2/requests.xml?extensions=true")
    print(r.content.decode())
    r = api.get("/open311/v2/services.xml")
    print(r.content.decode()[:500])
    r = api.get("/open311/v2/services/PHF.json")
    print(r.content.decode()[:800])
    r = api.get("/open311/discovery.json")
    print(r.content.decode()[:800])
    r = api.get("/open311/v2/requests.json?start_date=garbage&page_size=9999&lat=abc&long=1")
    print(r.status_code, r.content.decode())
