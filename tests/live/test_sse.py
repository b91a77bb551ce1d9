"""The SSE helper, on its own (no server): its framing, its heartbeat, transform, and Last-Event-ID
replay that never sends an event twice."""

import asyncio
import json

from django.test import RequestFactory

from civic311.live import broker
from civic311.live.sse import format_event, sse_response
from tests.live.conftest import WAIT


def frames(response):
    """The response's chunks, as text, one by one."""
    content = response.streaming_content

    async def next_frame() -> str:
        return (await asyncio.wait_for(anext(content), WAIT)).decode()

    return next_frame


def data_of(frame: str) -> dict:
    (line,) = [line for line in frame.splitlines() if line.startswith("data: ")]
    return json.loads(line.removeprefix("data: "))


def test_a_message_is_framed_as_id_event_and_data_lines():
    frame = format_event({"id": 7, "summary": "Fixed\nat last", "topic": "request:SR1"})
    assert frame == b'id: 7\nevent: message\ndata: {"id":7,"summary":"Fixed\\nat last"}\n\n'


def test_a_message_may_name_its_event():
    assert format_event({"event": "status"}).startswith(b"event: status\n")


def test_it_answers_with_an_uncached_unbuffered_event_stream(in_process):
    response = sse_response(RequestFactory().get("/"), ["request:SR1"])
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    assert response["X-Accel-Buffering"] == "no"


def test_it_starts_with_a_retry_hint_and_pings_when_idle(in_process):
    async def scenario():
        response = sse_response(RequestFactory().get("/"), ["request:SR1"], heartbeat=0.01)
        next_frame = frames(response)
        return [await next_frame() for _ in range(3)]

    assert asyncio.run(scenario()) == ["retry: 3000\n\n", ": ping\n\n", ": ping\n\n"]


def test_transform_reshapes_messages_or_leaves_them_out(in_process):
    def transform(message):
        return None if message["n"] % 2 else {"double": message["n"] * 2}

    async def scenario():
        response = sse_response(RequestFactory().get("/"), ["request:SR1"], transform=transform)
        next_frame = frames(response)
        assert await next_frame() == "retry: 3000\n\n"  # subscribed from here on
        for n in (1, 2, 3, 4):
            broker.publish("request:SR1", {"n": n})
        return [data_of(await next_frame()) for _ in range(2)]

    assert asyncio.run(scenario()) == [{"double": 4}, {"double": 8}]


def test_last_event_id_replays_what_was_missed_and_sends_nothing_twice(in_process):
    history = [{"id": n, "n": n} for n in range(1, 5)]
    asked = []

    async def replay(last_event_id):
        asked.append(last_event_id)
        return [m for m in history if m["id"] > int(last_event_id)]

    async def scenario():
        request = RequestFactory().get("/", headers={"Last-Event-ID": "2"})
        response = sse_response(request, ["request:SR1"], replay=replay)
        next_frame = frames(response)
        assert await next_frame() == "retry: 3000\n\n"
        replayed = [data_of(await next_frame())["id"] for _ in range(2)]
        broker.publish("request:SR1", {"id": 4, "n": 4})  # already replayed: not again
        broker.publish("request:SR1", {"id": 5, "n": 5})
        return replayed, data_of(await next_frame())["id"]

    assert asyncio.run(scenario()) == ([3, 4], 5)
    assert asked == ["2"]


def test_messages_a_slow_reader_lost_are_replayed_from_the_last_id_it_sent(in_process, settings):
    settings.LIVE_QUEUE_SIZE = 2
    history = [{"id": n} for n in range(1, 7)]

    async def replay(last_event_id):
        return [m for m in history if m["id"] > int(last_event_id)]

    async def scenario():
        response = sse_response(RequestFactory().get("/"), ["request:SR1"], replay=replay)
        next_frame = frames(response)
        assert await next_frame() == "retry: 3000\n\n"
        broker.publish("request:SR1", history[0])
        first = data_of(await next_frame())["id"]
        for message in history[1:]:  # 5 messages into a queue of 2, while nobody reads
            broker.publish("request:SR1", message)
        return [first] + [data_of(await next_frame())["id"] for _ in range(5)]

    assert asyncio.run(scenario()) == [1, 2, 3, 4, 5, 6]


def test_a_stream_cancelled_like_a_disconnected_client_closes_its_subscription(in_process):
    async def scenario():
        response = sse_response(RequestFactory().get("/"), ["request:SR1"])
        next_frame = frames(response)
        await next_frame()
        assert in_process.subscriber_count() == 1
        consumer = asyncio.create_task(next_frame())  # waiting for a message, as Django's handler would
        await asyncio.sleep(0)
        consumer.cancel()
        await asyncio.wait([consumer])
        return in_process.subscriber_count()

    assert asyncio.run(scenario()) == 0


def test_start_id_is_announced_and_replayed_from_when_the_client_gives_none(in_process):
    history = [{"id": 1}, {"id": 2}]

    async def replay(last_event_id):
        return [m for m in history if m["id"] > int(last_event_id)]

    async def scenario():
        # The view looked when event 1 was the newest; event 2 was recorded before the subscription.
        response = sse_response(RequestFactory().get("/"), ["request:SR1"], replay=replay, start_id="1")
        next_frame = frames(response)
        return [await next_frame() for _ in range(3)]

    retry, announced, replayed = asyncio.run(scenario())
    assert retry == "retry: 3000\n\n"
    assert announced == "id: 1\n\n"  # sets EventSource's last event id, without an event
    assert data_of(replayed) == {"id": 2}


def test_a_client_that_gives_last_event_id_is_not_sent_start_id(in_process):
    async def replay(last_event_id):
        return []

    async def scenario():
        request = RequestFactory().get("/", headers={"Last-Event-ID": "5"})
        response = sse_response(request, ["request:SR1"], replay=replay, start_id="9", heartbeat=0.01)
        next_frame = frames(response)
        return [await next_frame() for _ in range(2)]

    assert asyncio.run(scenario()) == ["retry: 3000\n\n", ": ping\n\n"]


def test_the_stream_ends_by_itself_after_max_age_and_closes_its_subscription(in_process):
    async def scenario():
        response = sse_response(RequestFactory().get("/"), ["request:SR1"], max_age=0.05, heartbeat=10)
        chunks = [chunk async for chunk in response.streaming_content]
        return chunks, in_process.subscriber_count()

    chunks, subscribers = asyncio.run(asyncio.wait_for(scenario(), WAIT))
    assert chunks == [b"retry: 3000\n\n"]
    assert subscribers == 0
