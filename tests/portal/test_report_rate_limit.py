"""The report form files at most 8 reports per client in 10 minutes (in the shared cache, so every server
process counts together); the next is answered 429 with the form as filled in and when to try again."""

import uuid

from civic311.portal import community
from civic311.servicerequests.models import ServiceRequest
from tests.factories import INSIDE_WARD_1


def report(client, n: int, **extra):
    data = {
        "draft_key": str(uuid.uuid4()),
        "service": "PHF",
        "q_WHERE": "LANE",
        "lat": str(INSIDE_WARD_1[0]),
        "long": str(INSIDE_WARD_1[1]),
        "description": f"Hole number {n}",
    }
    return client.post("/report/", data, **extra)


def test_a_flood_of_reports_from_one_client_files_only_the_limit(client, city):
    answers = [report(client, n).status_code for n in range(30)]
    assert answers[: community.REPORT_LIMIT.count] == [302] * community.REPORT_LIMIT.count
    assert set(answers[community.REPORT_LIMIT.count :]) == {429}
    assert ServiceRequest.objects.count() == community.REPORT_LIMIT.count


def test_the_refusal_keeps_what_was_typed_and_says_when_to_try_again(client, city):
    for n in range(community.REPORT_LIMIT.count):
        report(client, n)
    refused = report(client, 99)
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 0 < wait <= community.REPORT_LIMIT.seconds
    page = refused.content.decode()
    assert "please send it again in 10 minutes" in page
    assert "Hole number 99" in page  # nothing typed is lost


def test_the_offline_drafts_get_429_and_retry_after_in_json(client, city):
    for n in range(community.REPORT_LIMIT.count):
        report(client, n)
    refused = report(client, 99, HTTP_ACCEPT="application/json")
    assert refused.status_code == 429
    assert refused["Retry-After"]
    assert "send it again" in refused.json()["errors"]["__all__"][0]


def test_another_client_is_not_limited(client, city):
    for n in range(community.REPORT_LIMIT.count + 1):
        report(client, n)
    assert report(client, 100, REMOTE_ADDR="203.0.113.9").status_code == 302


def test_a_draft_sent_again_is_answered_without_counting(client, city):
    data_key = str(uuid.uuid4())
    sent = client.post(
        "/report/",
        {
            "draft_key": data_key,
            "service": "PHF",
            "q_WHERE": "LANE",
            "lat": str(INSIDE_WARD_1[0]),
            "long": str(INSIDE_WARD_1[1]),
            "description": "Once",
        },
    )
    assert sent.status_code == 302
    for _ in range(community.REPORT_LIMIT.count + 3):
        again = client.post("/report/", {"draft_key": data_key, "service": "PHF"})
        assert again.status_code == 302  # the same request, however often the draft comes back
    assert ServiceRequest.objects.count() == 1
