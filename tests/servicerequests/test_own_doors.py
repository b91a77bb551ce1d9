"""A status with a meaning of its own is reached only through its own domain function: a duplicate needs its
original, a referral needs whom it went to. Refused the same way on every channel that can ask for one: the
domain itself, the GeoReport servicerequestupdates (FixMyStreet's DUPLICATE and INTERNAL_REFERRAL), the
console's single and bulk status change. Each refusal says why and changes nothing."""

import pytest

from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, Status
from civic311.servicerequests.intake import RequestRejected
from civic311.servicerequests.models import Event, ServiceRequest
from tests.console.conftest import actors, signed_in  # noqa: F401 (fixtures)
from tests.factories import file_request
from tests.open311.conftest import API, errors_of

STAFF = actions.Actor(channel=Channel.STAFF)
WHY = {
    Status.DUPLICATE: "closed as a duplicate by naming its original",
    Status.REFERRED: "closed as referred by saying whom it went to",
}


def unchanged(sr: ServiceRequest, events: int) -> bool:
    sr.refresh_from_db()
    return sr.status_code == Status.NEW and sr.parent_id is None and Event.objects.count() == events


@pytest.mark.parametrize("status", [Status.DUPLICATE, Status.REFERRED])
def test_change_status_refuses_a_status_with_its_own_door(city, status):
    sr = file_request(city.pothole)
    events = Event.objects.count()
    with pytest.raises(RequestRejected) as refused:
        actions.change_status(sr, status, STAFF, note="closing it")
    assert [e.field for e in refused.value.errors] == ["status"]
    assert WHY[status] in str(refused.value)
    assert unchanged(sr, events)


def test_the_own_doors_do_what_the_status_alone_cannot(city):
    original, duplicate, elsewhere = (file_request(city.pothole) for _ in range(3))
    actions.mark_duplicate(duplicate, original, STAFF)
    event = actions.refer(elsewhere, STAFF, to="Illinois DOT")
    assert duplicate.status_code == Status.DUPLICATE and duplicate.parent == original
    # The referral is on the event from the start: nothing edits it after it was recorded.
    assert Event.objects.get(pk=event.pk).data == {
        "referred_to": "Illinois DOT",
        "from": "new",
        "to": "referred",
    }


@pytest.mark.parametrize(
    ("fixmystreet", "status"), [("DUPLICATE", Status.DUPLICATE), ("INTERNAL_REFERRAL", Status.REFERRED)]
)
def test_servicerequestupdates_refuses_a_duplicate_without_its_original_and_a_referral_without_a_recipient(
    client, city, fixmystreet, status
):
    sr = file_request(city.pothole)
    events = Event.objects.count()
    response = client.post(
        f"{API}/servicerequestupdates.json",
        {"api_key": city.raw_key, "service_request_id": sr.service_request_id, "status": fixmystreet},
    )
    assert response.status_code == 400, response.content
    assert any(e.startswith("status: ") and WHY[status] in e for e in errors_of(response))
    assert unchanged(sr, events)


@pytest.mark.parametrize("status", [Status.DUPLICATE, Status.REFERRED])
def test_the_console_refuses_them_as_a_status_one_by_one_and_in_bulk(signed_in, city, status):  # noqa: F811
    sr = file_request(city.pothole)
    events = Event.objects.count()
    client = signed_in("carol")
    number = sr.service_request_id
    one = client.post(f"/staff/requests/{number}/status/", {"status": status}, follow=True)
    bulk = client.post("/staff/bulk/", {"ids": [number], "action": "status", "status": status}, follow=True)
    for response in (one, bulk):
        shown = [str(m) for m in response.context["messages"]]
        assert any(WHY[status] in m for m in shown), shown
    assert unchanged(sr, events)
