"""The broker's promises, kept by both backends (each test runs in-process and over Redis): a message
published from any thread reaches every subscriber of its topic, in an event loop, and nothing else;
subscriptions leave nothing behind; a slow subscriber loses its oldest messages, not the server's memory.
"""

import asyncio
import threading

import pytest

from civic311.live import broker
from tests.live.conftest import WAIT, eventually


def publish_from_another_thread(topic: str, *messages: dict) -> None:
    thread = threading.Thread(target=lambda: [broker.publish(topic, m) for m in messages])
    thread.start()
    thread.join(WAIT)


def test_a_subscriber_in_an_event_loop_receives_a_message_published_from_another_thread(any_broker):
    async def scenario():
        async with broker.subscribe(["request:SR1"]) as subscription:
            await asyncio.to_thread(publish_from_another_thread, "request:SR1", {"summary": "Fixed"})
            return await subscription.get(timeout=WAIT)

    assert asyncio.run(scenario()) == {"summary": "Fixed", "topic": "request:SR1"}


def test_two_subscribers_both_receive_it(any_broker):
    async def scenario():
        async with broker.subscribe(["request:SR1"]) as first, broker.subscribe(["request:SR1"]) as second:
            await asyncio.to_thread(publish_from_another_thread, "request:SR1", {"n": 1})
            return await first.get(timeout=WAIT), await second.get(timeout=WAIT)

    assert asyncio.run(scenario()) == ({"n": 1, "topic": "request:SR1"}, {"n": 1, "topic": "request:SR1"})


def test_a_subscriber_of_several_topics_hears_each_and_knows_which(any_broker):
    async def scenario():
        async with broker.subscribe(["request:SR1", "request:SR2"]) as subscription:
            await asyncio.to_thread(publish_from_another_thread, "request:SR2", {"n": 2})
            await asyncio.to_thread(publish_from_another_thread, "request:SR1", {"n": 1})
            return [await subscription.get(timeout=WAIT) for _ in range(2)]

    assert asyncio.run(scenario()) == [{"n": 2, "topic": "request:SR2"}, {"n": 1, "topic": "request:SR1"}]


def test_messages_of_topics_it_did_not_subscribe_to_do_not_arrive(any_broker):
    async def scenario():
        async with broker.subscribe(["request:SR1"]) as subscription:
            await asyncio.to_thread(publish_from_another_thread, "request:SR2", {"n": "other"})
            await asyncio.to_thread(publish_from_another_thread, "request:SR1", {"n": "mine"})
            # Published in this order: had the other topic's message been delivered, it would come first.
            return await subscription.get(timeout=WAIT)

    assert asyncio.run(scenario()) == {"n": "mine", "topic": "request:SR1"}


def test_it_can_be_read_with_async_for(any_broker):
    async def scenario():
        received = []
        async with broker.subscribe(["request:SR1"]) as subscription:
            await asyncio.to_thread(publish_from_another_thread, "request:SR1", {"n": 1}, {"n": 2})
            async for message in subscription:
                received.append(message["n"])
                if len(received) == 2:
                    break
        return received

    assert asyncio.run(scenario()) == [1, 2]


def test_a_closed_subscriber_leaves_no_queue_behind(any_broker):
    async def scenario():
        async with broker.subscribe(["request:SR1", "staff:department:streets"]):
            assert any_broker.subscriber_count() == 1
        assert any_broker.subscriber_count() == 0
        broker.publish("request:SR1", {"n": 1})  # to nobody, without error

    asyncio.run(scenario())


def test_a_subscriber_whose_task_is_cancelled_leaves_no_queue_behind(any_broker):
    async def scenario():
        subscribed = asyncio.Event()

        async def consumer():
            async with broker.subscribe(["request:SR1"]) as subscription:
                subscribed.set()
                async for _ in subscription:
                    pass

        task = asyncio.create_task(consumer())
        await asyncio.wait_for(subscribed.wait(), WAIT)
        assert any_broker.subscriber_count() == 1
        task.cancel()
        await asyncio.wait([task])
        assert any_broker.subscriber_count() == 0

    asyncio.run(scenario())


def test_a_subscriber_that_falls_behind_loses_its_oldest_messages(any_broker, settings):
    settings.LIVE_QUEUE_SIZE = 3  # changing it builds a new broker of the same backend

    async def scenario():
        async with broker.subscribe(["request:SR1"]) as subscription:
            await asyncio.to_thread(publish_from_another_thread, "request:SR1", *({"n": n} for n in range(5)))
            await eventually(lambda: subscription.dropped == 2, what="dropping the two oldest")
            kept = [(await subscription.get(timeout=WAIT))["n"] for _ in range(3)]
            return kept, subscription.missed, await subscription.get(timeout=0.05)

    kept, missed, more = asyncio.run(scenario())
    assert kept == [2, 3, 4]
    assert missed == 2
    assert more is None


def test_publishing_something_that_is_not_json_is_logged_not_raised(any_broker, caplog):
    broker.publish("request:SR1", {"when": object()})
    assert "not JSON" in caplog.text


def test_it_refuses_a_topic_given_as_a_string():
    with pytest.raises(ValueError):
        broker.InProcessBroker().subscribe("request:SR1")  # type: ignore[arg-type]
