"""Bulk actions (supervisors): one action on many requests, each through its own permission check and the
domain; what is refused is reported, what succeeds stays done."""

import pytest

from civic311.servicerequests.choices import Channel, EventKind, Priority, Status
from civic311.servicerequests.models import Event, ServiceRequest
from tests.factories import file_request

BULK = "/staff/bulk/"


@pytest.fixture
def potholes(city):
    return [file_request(city.pothole, description=f"Hole {n}") for n in range(3)]


@pytest.fixture
def water_request(city):
    return file_request(city.wellness, description="Neighbour not seen")


def bulk(client, data: dict) -> tuple[object, list[str]]:
    """Post to the bulk action, follow back to the queue: (the final response, the messages shown)."""
    response = client.post(BULK, data, follow=True)
    assert response.status_code == 200
    return response, [str(m) for m in response.context["messages"]]


def ids(*requests: ServiceRequest) -> list[str]:
    return [r.service_request_id for r in requests]


def statuses(*requests: ServiceRequest) -> list[str]:
    return [ServiceRequest.objects.get(pk=r.pk).status_code for r in requests]


def test_carol_changes_the_status_of_several_at_once(signed_in, actors, potholes):
    carol = signed_in("carol")
    response, shown = bulk(
        carol,
        {"ids": ids(*potholes), "action": "status", "status": Status.SCHEDULED, "note": "Crew on Monday"},
    )
    assert shown == ["Done for 3 of 3 requests."]
    assert response.redirect_chain == [("/staff/", 302)]
    for sr in potholes:
        sr.refresh_from_db()
        assert sr.status_code == Status.SCHEDULED and sr.status_notes == "Crew on Monday"
        (event,) = sr.events.filter(kind=EventKind.STATUS_CHANGED)
        assert event.actor == actors["carol"] and event.channel == Channel.STAFF and event.public
        assert event.note == "Crew on Monday"


def test_one_out_of_scope_in_the_middle_is_reported_and_the_others_done(
    signed_in, actors, potholes, water_request
):
    first, second, _ = potholes
    before = Event.objects.filter(request=water_request).count()
    _, shown = bulk(
        signed_in("carol"),
        {"ids": ids(first, water_request, second), "action": "status", "status": Status.IN_PROGRESS},
    )
    assert shown == [
        "Done for 2 of 3 requests.",
        f"{water_request.service_request_id}: not found, or not yours",
    ]
    assert statuses(first, second) == [Status.IN_PROGRESS] * 2
    assert statuses(water_request) == [Status.NEW]
    assert Event.objects.filter(request=water_request).count() == before


def test_only_requests_out_of_scope_are_refused_whole(signed_in, water_request):
    _, shown = bulk(signed_in("carol"), {"ids": ids(water_request), "action": "reroute", "department": ""})
    assert shown == ["None of the selected requests is one you can see."]
    water_request.refresh_from_db()
    assert water_request.department is not None


@pytest.mark.parametrize("name", ["bob", "agnes", "dave"])
def test_who_may_not_bulk_gets_403(signed_in, potholes, name):
    count = Event.objects.count()
    response = signed_in(name).post(BULK, {"ids": ids(*potholes), "action": "status", "status": Status.FIXED})
    assert response.status_code == 403
    assert statuses(*potholes) == [Status.NEW] * 3
    assert Event.objects.count() == count


def test_more_fields_than_django_takes_are_refused_whole(signed_in, potholes):
    """settings.DATA_UPLOAD_MAX_NUMBER_FIELDS (200) stops a long list before the view's own cap (500):
    a 400, and nothing done. (The queue's pages hold 50 rows, so the form never sends that many.)"""
    count = Event.objects.count()
    numbers = [*ids(*potholes), *(f"SR00-{n:06d}-0" for n in range(498))]
    response = signed_in("carol").post(
        BULK, {"ids": numbers, "action": "priority", "priority": Priority.URGENT}
    )
    assert response.status_code == 400
    assert Event.objects.count() == count


def test_more_than_500_are_capped_and_said_so(signed_in, settings, potholes):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000  # past Django's own limit, to reach the view's
    first, last, untouched = potholes
    unknown = [f"SR00-{n:06d}-0" for n in range(498)]
    _, shown = bulk(
        signed_in("carol"),
        {"ids": [first.service_request_id, *unknown, untouched.service_request_id, last.service_request_id],
         "action": "priority", "priority": Priority.URGENT},
    )  # fmt: skip
    # 501 distinct numbers: the 500th (untouched) is taken, the 501st (last) is not.
    assert shown[0] == "At most 500 requests at once: the first 500 were taken, 1 left out."
    assert shown[1] == "Done for 2 of 500 requests."
    assert shown[2] == "SR00-000000-0: not found, or not yours"
    assert shown[-1] == "… and 488 more not done."
    assert len(shown) == 2 + 10 + 1
    priorities = [ServiceRequest.objects.get(pk=r.pk).priority for r in (first, untouched, last)]
    assert priorities == [Priority.URGENT, Priority.URGENT, Priority.NORMAL]


def test_an_unknown_action_is_a_clear_message(signed_in, potholes):
    count = Event.objects.count()
    _, shown = bulk(signed_in("carol"), {"ids": ids(*potholes), "action": "explode"})
    assert shown == ["Unknown action 'explode'."]
    assert Event.objects.count() == count


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"action": "status", "status": Status.DUPLICATE},
            "status: a request is closed as a duplicate by naming its original",
        ),
        (
            {"action": "status", "status": Status.REFERRED},
            "status: a request is closed as referred by saying whom it went to",
        ),
        ({"action": "status", "status": "bogus"}, "status: Select a valid choice."),
        ({"action": "priority", "priority": "9"}, "priority: Select a valid choice."),
        ({"action": "reroute", "department": "999999"}, "department: Select a valid choice."),
    ],
)
def test_a_bad_value_is_a_message_and_nothing_changes(signed_in, potholes, data, message):
    count = Event.objects.count()
    _, shown = bulk(signed_in("carol"), {"ids": ids(*potholes), **data})
    assert len(shown) == 1 and shown[0].startswith(message), shown
    assert Event.objects.count() == count


def test_set_priority_and_send_elsewhere(signed_in, city, actors, potholes):
    carol = signed_in("carol")
    first, second, third = potholes
    _, shown = bulk(carol, {"ids": ids(first, second), "action": "priority", "priority": Priority.HIGH})
    assert shown == ["Done for 2 of 2 requests."]
    assert [ServiceRequest.objects.get(pk=r.pk).priority for r in potholes] == [2, 2, 1]
    _, shown = bulk(carol, {"ids": ids(second, third), "action": "reroute", "department": city.water.pk})
    assert shown == ["Done for 2 of 2 requests."]
    for sr in (second, third):
        event = Event.objects.filter(request=sr, kind=EventKind.ROUTED).latest("pk")
        assert event.actor == actors["carol"] and event.data["department"] == "water"
    assert ServiceRequest.objects.filter(department=city.water).count() == 2


@pytest.mark.parametrize(
    ("back", "location"),
    [
        ("/staff/?state=all&sort=newest", "/staff/?state=all&sort=newest"),
        ("https://evil.example/staff/", "/staff/"),
        ("//evil.example/staff/", "/staff/"),
        ("", "/staff/"),
    ],
)
def test_it_goes_back_to_the_queue_it_came_from_and_nowhere_else(signed_in, potholes, back, location):
    response = signed_in("carol").post(
        BULK, {"ids": ids(potholes[0]), "action": "priority", "priority": 2, "back": back}
    )
    assert response.status_code == 302 and response["Location"] == location


@pytest.mark.parametrize("posted", [[], [""], ["\x00"]])
def test_nothing_selected(signed_in, potholes, posted):
    _, shown = bulk(signed_in("carol"), {"ids": posted, "action": "status", "status": Status.FIXED})
    assert shown == ["Select at least one request."]
