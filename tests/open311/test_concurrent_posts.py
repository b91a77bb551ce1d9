"""Many clients filing at once against the real server (several processes): every request is
stored once, with its own number."""

import json
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.servers import running_platform

LOOP = (41.8781, -87.6298)  # Chicago's Loop, inside the sample city's wards
CLIENTS = 8
EACH = 6


def answers_for(definition: dict) -> dict:
    """A valid answer to every required question of a service definition."""
    answers = {}
    for attribute in definition["attributes"]:
        if not attribute["required"]:
            continue
        code = f"attribute[{attribute['code']}]"
        answers[code] = {
            "singlevaluelist": lambda a: a["values"][0]["key"],
            "multivaluelist": lambda a: a["values"][0]["key"],
            "number": lambda a: "3",
            "datetime": lambda a: "2026-11-20T08:00:00-06:00",
        }.get(attribute["datatype"], lambda a: "answer")(attribute)
    return answers


def post(url: str, form: dict) -> tuple[int, object]:
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(f"{url}/open311/v2/requests.json", data=data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.slow
def test_concurrent_posts_get_distinct_numbers_and_none_is_lost(tmp_path):
    with running_platform(tmp_path, workers=2) as server:
        with urllib.request.urlopen(f"{server.url}/open311/v2/services/PHF.json") as response:
            definition = json.load(response)
        form = {
            "api_key": server.api_key,
            "service_code": "PHF",
            "lat": LOOP[0],
            "long": LOOP[1],
            "description": "Filed concurrently",
            **answers_for(definition),
        }
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = list(
                pool.map(
                    lambda n: post(server.url, {**form, "device_id": f"client-{n}"}), range(CLIENTS * EACH)
                )
            )
        assert all(status == 200 for status, _ in results), [r for r in results if r[0] != 200][:3]
        numbers = [body[0]["service_request_id"] for _, body in results]
        assert len(set(numbers)) == CLIENTS * EACH
        query = urllib.parse.urlencode({"service_request_id": ",".join(numbers), "page_size": 500})
        with urllib.request.urlopen(f"{server.url}/open311/v2/requests.json?{query}") as response:
            stored = json.load(response)
            assert response.headers["X-Total-Count"] == str(CLIENTS * EACH)
        assert sorted(r["service_request_id"] for r in stored) == sorted(numbers)
