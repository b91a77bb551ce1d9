"""Reference data kept in each server process (lib/versioned.py) is never served stale: a change made by
another process (an administrator's edit, an import) is seen by every server process at its next request.

Real processes: `civic311 serve --workers 2` over its own database, and each change made by a separate
`civic311 shell` process over the same database and shared cache, through the ORM as the admin does.
"""

import json
import subprocess
import urllib.parse
import urllib.request

import pytest

from tests.servers import CIVIC311, running_platform

pytestmark = pytest.mark.slow

# Enough calls that both server processes answer some of them (the kernel spreads connections).
CALLS = 12
CITY_HALL = ("41.88365", "-87.63213")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_platform(tmp_path_factory.mktemp("reference"), workers=2) as server:
        yield server


def change(server, code: str) -> None:
    """Run Python in a process of its own over the server's database and cache (as an admin's edit)."""
    done = subprocess.run(
        [CIVIC311, "shell", "-c", code], env=server.env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]


def get_json(server, path: str):
    with urllib.request.urlopen(f"{server.url}{path}", timeout=30) as response:
        return json.loads(response.read())


def every_answer(server, path: str) -> list:
    """The answers of CALLS calls, each on a new connection (so both processes answer)."""
    return [get_json(server, path) for _ in range(CALLS)]


def post(server, **fields) -> dict:
    body = urllib.parse.urlencode({"api_key": server.api_key, **fields}).encode()
    with urllib.request.urlopen(f"{server.url}/open311/v2/requests.json", data=body, timeout=30) as response:
        return json.loads(response.read())[0]


def test_a_renamed_or_withdrawn_service_is_seen_by_every_process_at_once(server):
    before = every_answer(server, "/open311/v2/services.json")  # every process holds the catalog now
    assert all(any(s["service_code"] == "GRAF" for s in answer) for answer in before)
    change(
        server,
        "from civic311.catalog.models import Service; s = Service.objects.get(service_code='GRAF'); "
        "s.service_name = 'Graffiti Gone'; s.save(); "
        "s = Service.objects.get(service_code='SCT'); s.active = False; s.save()",
    )
    for answer in every_answer(server, "/open311/v2/services.json"):
        names = {s["service_code"]: s["service_name"] for s in answer}
        assert names["GRAF"] == "Graffiti Gone"
        assert "SCT" not in names


def test_a_new_question_is_in_the_definition_and_the_list_at_once(server):
    code = "SDP"  # Street Cleaning Request: asks nothing in the sample city
    listed = every_answer(server, "/open311/v2/services.json")
    assert all(next(s for s in a if s["service_code"] == code)["metadata"] is False for a in listed)
    assert all(d["attributes"] == [] for d in every_answer(server, f"/open311/v2/services/{code}.json"))
    change(
        server,
        "from civic311.catalog.models import Service, ServiceAttribute; "
        f"s = Service.objects.get(service_code='{code}'); "
        "ServiceAttribute.objects.create(service=s, code='WHICHSIDE', description='Which side?')",
    )
    for definition in every_answer(server, f"/open311/v2/services/{code}.json"):
        assert [a["code"] for a in definition["attributes"]] == ["WHICHSIDE"]
    for answer in every_answer(server, "/open311/v2/services.json"):
        assert next(s for s in answer if s["service_code"] == code)["metadata"] is True


def districts_of_new_requests(server) -> list[dict]:
    numbers = [
        post(server, service_code="SDP", lat=CITY_HALL[0], long=CITY_HALL[1])["service_request_id"]
        for _ in range(CALLS)
    ]
    answers = [get_json(server, f"/open311/v2/requests/{n}.json?extensions=true")[0] for n in numbers]
    return [a["extended_attributes"]["districts"] for a in answers]


def test_a_district_added_or_moved_elsewhere_places_the_next_request_in_every_process(server):
    assert all("zone" not in d for d in districts_of_new_requests(server))  # every process holds the tree
    square = [[-87.64, 41.88], [-87.62, 41.88], [-87.62, 41.89], [-87.64, 41.89], [-87.64, 41.88]]
    change(
        server,
        "from civic311.catalog.models import Jurisdiction; from civic311.geo.models import District; "
        "District.objects.create(jurisdiction=Jurisdiction.objects.get(is_default=True), kind='zone', "
        f"code='Z1', name='Loop zone', geometry={{'type': 'Polygon', 'coordinates': [{square}]}})",
    )
    assert all(d.get("zone") == "Z1" for d in districts_of_new_requests(server))
    away = [[[x + 1, y] for x, y in square]]
    change(
        server,
        "from civic311.geo.models import District; d = District.objects.get(kind='zone', code='Z1'); "
        f"d.geometry = {{'type': 'Polygon', 'coordinates': {away}}}; d.save()",
    )
    assert all("zone" not in d for d in districts_of_new_requests(server))


def test_a_new_routing_rule_routes_the_next_request_in_every_process(server):
    def departments() -> set:
        numbers = [post(server, service_code="SDP", lat=CITY_HALL[0], long=CITY_HALL[1]) for _ in range(12)]
        return {
            get_json(server, f"/open311/v2/requests/{n['service_request_id']}.json")[0]["agency_responsible"]
            for n in numbers
        }

    before = departments()
    assert len(before) == 1 and "DWM - Department of Water Management" not in before
    change(
        server,
        "from civic311.catalog.models import Department, Jurisdiction, Service; "
        "from civic311.routing.models import RoutingRule; j = Jurisdiction.objects.get(is_default=True); "
        "rule = RoutingRule.objects.create(jurisdiction=j, name='Street cleaning to water', order=1, "
        "department=Department.objects.get(jurisdiction=j, name='DWM - Department of Water Management')); "
        "rule.services.set([Service.objects.get(jurisdiction=j, service_code='SDP')])",
    )
    assert departments() == {"DWM - Department of Water Management"}
