"""GET /live/requests/<service_request_id>/events: a public request's updates as Server-Sent Events, from
the real server (uvicorn in a thread of this process, see conftest.server_url), while the test changes
the request through the domain as staff would."""

import asyncio

import httpx

from civic311.servicerequests import actions
from civic311.servicerequests.choices import Channel, Status
from tests.factories import file_request
from tests.live.conftest import WAIT, eventually, in_thread, open_stream

STAFF = actions.Actor(channel=Channel.STAFF)


def stream_url(server_url: str, number: str) -> str:
    return f"{server_url}/live/requests/{number}/events"


def test_it_answers_with_an_event_stream_that_starts_with_a_retry_hint(server_url, city):
    sr = file_request(city.pothole)

    async def scenario():
        async with open_stream(stream_url(server_url, sr.service_request_id)) as stream:
            return stream.response, await stream.block()

    response, first = asyncio.run(scenario())
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    assert first == ["retry: 3000"]


def test_a_status_change_with_a_public_note_arrives_on_the_stream(server_url, city):
    sr = file_request(city.pothole)

    async def scenario():
        async with open_stream(stream_url(server_url, sr.service_request_id)) as stream:
            await stream.block()  # the retry hint: the server is subscribed
            event = await in_thread(
                actions.change_status, sr, Status.IN_PROGRESS, STAFF, note="A crew is on the way"
            )
            return event, await stream.event()

    event, arrived = asyncio.run(scenario())
    assert arrived["id"] == str(event.pk)
    assert arrived["event"] == "message"
    assert arrived["data"] == {
        "id": str(event.pk),
        "service_request_id": sr.service_request_id,
        "status": "open",
        "status_code": "in_progress",
        "summary": "In progress",
        "type": "activity",
        "description": "A crew is on the way",
        "datetime": arrived["data"]["datetime"],
    }


def test_an_internal_note_never_arrives(server_url, city):
    sr = file_request(city.pothole)

    async def scenario():
        async with open_stream(stream_url(server_url, sr.service_request_id)) as stream:
            await stream.block()
            await in_thread(actions.add_note, sr, "Reporter is the alderman's cousin", STAFF, public=False)
            fixed = await in_thread(actions.change_status, sr, Status.FIXED, STAFF, note="Filled")
            # Events reach a stream in the order they were recorded: the first to arrive must be the
            # public one recorded after the internal note.
            return fixed, await stream.event()

    fixed, arrived = asyncio.run(scenario())
    assert arrived["id"] == str(fixed.pk)
    assert arrived["data"]["status"] == "closed"
    assert "cousin" not in str(arrived)


def test_a_client_reconnecting_with_last_event_id_gets_the_public_events_it_missed(server_url, city):
    sr = file_request(city.pothole)
    seen = actions.change_status(sr, Status.ACKNOWLEDGED, STAFF)
    actions.add_note(sr, "Internal only", STAFF, public=False)
    missed = actions.change_status(sr, Status.FIXED, STAFF, note="Filled")

    async def scenario():
        headers = {"Last-Event-ID": str(seen.pk)}
        async with open_stream(stream_url(server_url, sr.service_request_id), headers) as stream:
            assert await stream.block() == ["retry: 3000"]
            return await stream.event()

    arrived = asyncio.run(scenario())
    assert arrived["id"] == str(missed.pk)
    assert arrived["data"]["description"] == "Filled"


def test_it_tells_a_new_client_to_resume_from_the_newest_public_event(server_url, city):
    sr = file_request(city.pothole)
    newest = actions.change_status(sr, Status.ACKNOWLEDGED, STAFF)
    actions.add_note(sr, "Internal only", STAFF, public=False)

    async def scenario():
        async with open_stream(stream_url(server_url, sr.service_request_id)) as stream:
            return [await stream.block() for _ in range(2)]

    assert asyncio.run(scenario()) == [["retry: 3000"], [f"id: {newest.pk}"]]


def test_a_client_that_goes_away_leaves_no_subscription_behind(server_url, city, in_process):
    sr = file_request(city.pothole)

    async def scenario():
        async with open_stream(stream_url(server_url, sr.service_request_id)) as stream:
            await stream.block()
            assert in_process.subscriber_count() == 1
        await eventually(lambda: in_process.subscriber_count() == 0, what="the server closing the stream")

    asyncio.run(scenario())


def test_a_private_services_request_is_not_found(server_url, city):
    wellness = file_request(city.wellness)
    response = httpx.get(stream_url(server_url, wellness.service_request_id), timeout=WAIT)
    assert response.status_code == 404


def test_an_unknown_request_is_not_found(server_url, city):
    response = httpx.get(stream_url(server_url, "SR26-999999-9"), timeout=WAIT)
    assert response.status_code == 404


def test_only_get_is_allowed(server_url, city):
    sr = file_request(city.pothole)
    response = httpx.post(stream_url(server_url, sr.service_request_id), timeout=WAIT)
    assert response.status_code in (403, 405)  # CSRF may refuse the POST before the view does
