"""What only the Redis backend has to show: channels under a prefix, one subscriber connection per event
loop, publishing that never fails a request when Redis is away, and subscriptions that come back by
themselves when their connection drops."""

import asyncio
import logging

import redis

from civic311.live import broker
from tests.live.conftest import WAIT, eventually
from tests.servers import free_port


def our_subscriber_connections(redis_url: str, prefix: str) -> list[dict]:
    """This test's subscriber connections, as Redis lists them (named after the channel prefix)."""
    return [c for c in redis.Redis.from_url(redis_url).client_list() if c["name"] == f"live:{prefix}"]


def test_it_publishes_on_channels_under_the_prefix(over_redis, redis_url, channel_prefix):
    async def scenario():
        async with broker.subscribe(["request:SR1"]):
            numsub = redis.Redis.from_url(redis_url).pubsub_numsub(f"{channel_prefix}request:SR1")
            return numsub[0][1]

    assert asyncio.run(scenario()) == 1


def test_another_prefix_does_not_hear_it(over_redis, redis_url, settings):
    async def scenario():
        async with broker.subscribe(["request:SR1"]) as subscription:
            other = broker.RedisBroker(redis_url, prefix="civic311-test-elsewhere:")
            other.publish("request:SR1", {"n": "elsewhere"})
            other.close()
            broker.publish("request:SR1", {"n": "here"})
            return await subscription.get(timeout=WAIT)

    assert asyncio.run(scenario())["n"] == "here"


def test_the_streams_of_one_process_share_one_redis_connection(over_redis, redis_url, channel_prefix):
    async def scenario():
        async with (
            broker.subscribe(["request:SR1"]),
            broker.subscribe(["request:SR2"]),
            broker.subscribe(["request:SR1", "staff:department:streets"]),
        ):
            return len(our_subscriber_connections(redis_url, channel_prefix)), over_redis.hub_count()

    assert asyncio.run(scenario()) == (1, 1)


def test_the_last_subscription_closed_closes_the_connection_and_unsubscribes(
    over_redis, redis_url, channel_prefix
):
    client = redis.Redis.from_url(redis_url)

    async def scenario():
        async with broker.subscribe(["request:SR1"]), broker.subscribe(["request:SR2"]) as second:
            await second.aclose()
            await eventually(
                lambda: client.pubsub_numsub(f"{channel_prefix}request:SR2")[0][1] == 0,
                what="unsubscribing from the channel nobody wants",
            )
            assert client.pubsub_numsub(f"{channel_prefix}request:SR1")[0][1] == 1
        assert over_redis.hub_count() == 0
        await eventually(
            lambda: not our_subscriber_connections(redis_url, channel_prefix), what="closing the connection"
        )

    asyncio.run(scenario())


def test_publish_never_raises_when_redis_is_unreachable_but_logs(settings, caplog):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    with caplog.at_level(logging.WARNING, logger="civic311.live"):
        broker.publish("request:SR1", {"n": 1})
        broker.publish("request:SR1", {"n": 2})  # within the pause after a failure: dropped at once
    assert "cannot publish to Redis at 127.0.0.1" in caplog.text
    assert len([r for r in caplog.records if "cannot publish" in r.getMessage()]) == 1  # once per outage
    assert broker.get_broker().lost == 2  # type: ignore[attr-defined]


def test_a_subscription_comes_back_by_itself_when_its_connection_drops(
    over_redis, redis_url, channel_prefix, caplog
):
    async def scenario():
        async with broker.subscribe(["request:SR1"]) as subscription:
            (connection,) = our_subscriber_connections(redis_url, channel_prefix)
            redis.Redis.from_url(redis_url).client_kill_filter(_id=connection["id"])
            # Messages published while it reconnects are lost (at most once); keep publishing until one
            # gets through, then the subscription must also have counted a possible loss.
            for attempt in range(int(WAIT / 0.05)):
                broker.publish("request:SR1", {"n": attempt})
                if (message := await subscription.get(timeout=0.05)) is not None:
                    return message, subscription.missed
            raise AssertionError("the subscription did not come back")

    with caplog.at_level(logging.WARNING, logger="civic311.live"):
        message, missed = asyncio.run(scenario())
    assert message["topic"] == "request:SR1"
    assert missed >= 1
    assert "reconnecting" in caplog.text
    assert "again" in caplog.text
