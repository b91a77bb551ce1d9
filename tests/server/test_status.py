"""GET /status.json: the process's pool and threads, read without a database query."""

import json


def test_the_status_tells_the_pool_and_the_threads_without_a_query(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/status.json")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = json.loads(response.content)
    assert body["status"] in ("ok", "busy")
    assert isinstance(body["pid"], int)
    assert set(body["threads"]) == {"busy", "finishing", "idle"}
    database = body["database"]
    if database["vendor"] == "postgresql":
        assert set(database["pool"]) == {"max", "open", "in_use", "idle", "waiting", "refused"}
        assert database["pool"]["max"] >= 1
    else:
        assert database["pool"] is None


def test_the_status_answers_get_only(client, db):
    assert client.post("/status.json").status_code == 405
