"""Publish/subscribe for live updates: side effects publish, the SSE streams subscribe.

Two backends, chosen by settings.REDIS_URL:

- in-process (REDIS_URL empty, the embedded default): publishers and subscribers of one process;
- Redis (several server processes or machines): every node publishes to Redis and subscribes there.

`publish()` is synchronous and may be called from any thread: it runs in `transaction.on_commit` hooks of
sync Django code, which under ASGI runs in worker threads. `subscribe()` is for async code: each
subscription has its own bounded asyncio.Queue, only ever touched on its own event loop (publishers in
other threads hand messages over with `loop.call_soon_threadsafe`).

    async with subscribe(["request:SR26-000123-4"]) as subscription:
        async for message in subscription:  # {**what was published, "topic": "request:SR26-000123-4"}
            ...

Delivery is at most once and best effort: a consumer whose queue is full loses its oldest messages, and
messages published while Redis is unreachable are lost. `Subscription.missed` counts both, so a consumer
that can catch up from the database (the SSE streams: Event is the durable log) knows when to.
"""

import asyncio
import json
import logging
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import suppress
from typing import Any
from urllib.parse import urlsplit

import redis
import redis.asyncio
import redis.asyncio.retry
from django.conf import settings
from django.core.signals import setting_changed
from redis.backoff import NoBackoff
from redis.retry import Retry

from civic311.lib.env import envstr

logger = logging.getLogger(__name__)

DEFAULT_CHANNEL_PREFIX = "civic311:"
# Messages a subscriber may have waiting before the oldest are dropped: a live view wants the newest news,
# and a stalled client must not make the server hold an ever-growing backlog.
DEFAULT_QUEUE_SIZE = 100
# Seconds to connect to Redis and for each command of publish(): publish runs inside a request, which
# must not wait long on a Redis that is down.
DEFAULT_REDIS_TIMEOUT = 1.0
# After a failed publish, later ones are dropped at once for this long instead of each waiting for its
# own timeout while Redis is down.
PUBLISH_PAUSE = 2.0
# How long subscribe waits for Redis to confirm a subscription before carrying on regardless (it becomes
# active when Redis answers; a stream should not hang on a Redis that is down).
SUBSCRIBE_TIMEOUT = 5.0
# An idle subscriber connection sends PING this often, so a connection that died silently is noticed.
IDLE_PING = 30.0
BACKOFF_MIN, BACKOFF_MAX = 0.1, 10.0
# Settings that change which broker get_broker() builds (tests change them with pytest-django's settings).
SETTINGS = {"REDIS_URL", "LIVE_CHANNEL_PREFIX", "LIVE_QUEUE_SIZE", "LIVE_REDIS_TIMEOUT"}

_WAKE = object()  # put in a queue to make get() return None early: "look at Subscription.missed"


def channel_prefix() -> str:
    # settings.LIVE_CHANNEL_PREFIX when set; else the environment, so servers started as subprocesses by
    # the tests can be isolated on a shared Redis without a line in settings.py.
    return getattr(settings, "LIVE_CHANNEL_PREFIX", None) or envstr(
        "LIVE_CHANNEL_PREFIX", DEFAULT_CHANNEL_PREFIX
    )


def _where(url: str) -> str:
    """host:port of a Redis URL, for logs (never the password)."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"


def _encode(topic: str, message: dict) -> str | None:
    try:
        return json.dumps(message)
    except (TypeError, ValueError):
        logger.exception("live: a message for %s is not JSON; not published", topic)
        return None


class Subscription:
    """One consumer's subscription to some topics: an async context manager and an async iterator.

    Use it inside `async with` (or call start() and aclose()): closing it, also by cancelling the task
    that holds it, removes its queue from the broker.
    """

    def __init__(self, broker: "Broker", topics: Sequence[str], maxsize: int) -> None:
        if isinstance(topics, str) or not topics:
            raise ValueError("subscribe to a list of one or more topics")
        self.topics = tuple(dict.fromkeys(topics))
        self.dropped = 0  # messages lost because the queue was full
        self.missed = 0  # times messages may have been lost: drops, and reconnections to Redis
        self.loop: asyncio.AbstractEventLoop | None = None
        self._broker = broker
        self._maxsize = maxsize
        self._queue: asyncio.Queue[Any] | None = None
        self._state = "new"
        self._hub: Any = None  # the Redis backend's per-loop connection, when it serves this one

    async def start(self) -> None:
        """Subscribe: messages published on the topics from now on are delivered (a no-op if started)."""
        if self._state != "new":
            return
        self.loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue(max(1, self._maxsize))  # never 0, which asyncio takes as unbounded
        self._state = "open"
        try:
            await self._broker._attach(self)
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        if self._state != "open":
            self._state = "closed"
            return
        self._state = "closed"
        # Shielded: closing must finish even if the task closing it is cancelled again meanwhile.
        await asyncio.shield(self._broker._detach(self))

    @property
    def closed(self) -> bool:
        return self._state == "closed"

    async def __aenter__(self) -> "Subscription":
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __aiter__(self) -> "Subscription":
        return self

    async def __anext__(self) -> dict:
        await self.start()
        while not self.closed:
            message = await self.get()
            if message is not None:
                return message
        raise StopAsyncIteration

    async def get(self, timeout: float | None = None) -> dict | None:
        """The next message, or None when `timeout` seconds pass first or messages may have been lost
        (then `missed` has grown)."""
        if self._queue is None:
            raise RuntimeError("start the subscription first")
        try:
            async with asyncio.timeout(timeout):
                item = await self._queue.get()
        except TimeoutError:
            return None
        if item is _WAKE:
            return None
        topic, raw = item
        try:
            message = json.loads(raw)
        except ValueError:  # only from something else publishing on our Redis channels
            logger.warning("live: a message on %s is not JSON; skipped", topic)
            return None
        # The broker's "topic" wins over a key of that name in what was published.
        return {**message, "topic": topic}

    def _push(self, item: Any) -> None:
        """Queue a (topic, JSON text) pair or _WAKE. Runs on self.loop's thread only."""
        if self._state != "open" or self._queue is None:
            return
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
            self.missed += 1
            if self.dropped == 1 or self.dropped % 100 == 0:
                logger.warning("live: a slow subscriber of %s lost %d messages", self.topics, self.dropped)
        self._queue.put_nowait(item)

    def _wake(self) -> None:
        self.missed += 1
        self._push(_WAKE)


class Broker(ABC):
    """What both backends offer."""

    def __init__(self, queue_size: int) -> None:
        self.queue_size = queue_size

    def subscribe(self, topics: Sequence[str]) -> Subscription:
        """A subscription to `topics`, not yet started: use `async with` (or `async for`)."""
        return Subscription(self, topics, self.queue_size)

    @abstractmethod
    def publish(self, topic: str, message: dict) -> None:
        """Send `message` (JSON-serialisable) to the current subscribers of `topic`. Never raises."""

    @abstractmethod
    def subscriber_count(self) -> int:
        """Open subscriptions of this process (for tests and health checks)."""

    def close(self) -> None:  # noqa: B027 (optional: only the Redis backend holds anything)
        """Release what the broker holds (get_broker() will build a new one)."""

    @abstractmethod
    async def _attach(self, subscription: Subscription) -> None: ...

    @abstractmethod
    async def _detach(self, subscription: Subscription) -> None: ...


class InProcessBroker(Broker):
    """Subscribers of this process, by topic; publishers in any thread of this process."""

    def __init__(self, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        super().__init__(queue_size)
        self._lock = threading.Lock()
        self._topics: dict[str, set[Subscription]] = {}

    def publish(self, topic: str, message: dict) -> None:
        raw = _encode(topic, message)
        if raw is None:
            return
        with self._lock:
            subscribers = list(self._topics.get(topic, ()))
        for subscription in subscribers:
            assert subscription.loop is not None
            try:
                subscription.loop.call_soon_threadsafe(subscription._push, (topic, raw))
            except RuntimeError:  # its loop has closed without the subscription being closed
                self._forget(subscription)

    def subscriber_count(self) -> int:
        with self._lock:
            return len({s for subscribers in self._topics.values() for s in subscribers})

    async def _attach(self, subscription: Subscription) -> None:
        with self._lock:
            for topic in subscription.topics:
                self._topics.setdefault(topic, set()).add(subscription)

    async def _detach(self, subscription: Subscription) -> None:
        self._forget(subscription)

    def _forget(self, subscription: Subscription) -> None:
        with self._lock:
            for topic in subscription.topics:
                subscribers = self._topics.get(topic)
                if subscribers is not None:
                    subscribers.discard(subscription)
                    if not subscribers:
                        del self._topics[topic]


class RedisBroker(Broker):
    """Redis pub/sub: a sync client (its own connection pool) publishes from any thread; each event loop
    that subscribes gets one _RedisHub, a single subscriber connection shared by all its subscriptions."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = DEFAULT_CHANNEL_PREFIX,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        timeout: float = DEFAULT_REDIS_TIMEOUT,
    ) -> None:
        super().__init__(queue_size)
        self.url, self.prefix, self.timeout = url, prefix, timeout
        # One retry: a pooled connection may have died with a Redis restart; a fresh one then works.
        self._client = redis.Redis.from_url(
            url,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 1),
        )
        self._lock = threading.Lock()
        self._hubs: dict[asyncio.AbstractEventLoop, _RedisHub] = {}
        self._paused_until = 0.0
        self._failing = False
        self.lost = 0  # messages not published because Redis was unreachable

    def publish(self, topic: str, message: dict) -> None:
        raw = _encode(topic, message)
        if raw is None:
            return
        if time.monotonic() < self._paused_until:
            self.lost += 1
            return
        try:
            self._client.publish(self.prefix + topic, raw)
        except (redis.RedisError, OSError) as exc:
            self.lost += 1
            self._paused_until = time.monotonic() + PUBLISH_PAUSE
            with self._lock:
                first, self._failing = not self._failing, True
            # Once per outage, not once per message.
            log = logger.warning if first else logger.debug
            log("live: cannot publish to Redis at %s (%s); live updates are lost", _where(self.url), exc)
            return
        except Exception:
            self.lost += 1
            logger.exception("live: publishing on %s failed", topic)
            return
        if self._failing:
            with self._lock:
                self._failing = False
            logger.warning("live: Redis at %s answers again (%d messages lost)", _where(self.url), self.lost)

    def subscriber_count(self) -> int:
        with self._lock:
            hubs = list(self._hubs.values())
        return len({s for hub in hubs for subscribers in hub.channels.values() for s in subscribers})

    def hub_count(self) -> int:
        with self._lock:
            return len(self._hubs)

    def close(self) -> None:
        self._client.close()

    async def _attach(self, subscription: Subscription) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            hub = self._hubs.get(loop)
            if hub is None:
                hub = self._hubs[loop] = _RedisHub(self, loop)
        subscription._hub = hub
        await hub.attach(subscription)

    async def _detach(self, subscription: Subscription) -> None:
        hub: _RedisHub | None = subscription._hub
        if hub is None:  # it failed before joining one
            return
        gone = hub.detach(subscription)
        if not hub.channels:
            # Out of the registry before any await, so a new subscription on this loop builds a new hub
            # instead of joining one that is shutting down.
            with self._lock:
                if self._hubs.get(hub.loop) is hub:
                    del self._hubs[hub.loop]
        await hub.release(gone)


class _RedisHub:
    """The subscriptions of one event loop, over one Redis connection (so a node holds one subscriber
    connection however many streams it serves).

    Its reader task owns the reading side: it dispatches messages to the subscriptions' queues, resolves
    subscription confirmations, and when the connection fails it reconnects with backoff and subscribes
    again to every channel still wanted, then wakes every subscription (missed += 1), since messages
    published meanwhile are lost.
    """

    def __init__(self, broker: RedisBroker, loop: asyncio.AbstractEventLoop) -> None:
        self.broker, self.loop, self.prefix = broker, loop, broker.prefix
        name = re.sub(r"[^A-Za-z0-9:._-]", "_", f"live:{broker.prefix}")
        self.client = redis.asyncio.Redis.from_url(
            broker.url,
            decode_responses=True,
            socket_connect_timeout=broker.timeout,
            socket_keepalive=True,
            client_name=name,
            # No retries inside redis-py: the reader's own loop reconnects, with backoff, and knows that
            # it did (so it can tell the subscriptions).
            retry=redis.asyncio.retry.Retry(NoBackoff(), 0),
        )
        self.channels: dict[str, set[Subscription]] = {}
        self.confirmed: dict[str, asyncio.Event] = {}
        self.pubsub: Any = None
        # One command at a time on the connection, and none while the reader replaces it.
        self.lock = asyncio.Lock()
        self.reader: asyncio.Task | None = None

    async def attach(self, subscription: Subscription) -> None:
        new = []
        for topic in subscription.topics:
            channel = self.prefix + topic
            if channel not in self.channels:
                self.channels[channel] = set()
                self.confirmed[channel] = asyncio.Event()
                new.append(channel)
            self.channels[channel].add(subscription)
        if self.reader is None:
            self.reader = self.loop.create_task(self._read(), name="live-redis-reader")
        elif new:
            async with self.lock:
                if self.pubsub is not None:
                    # A failure here is the reader's to handle: it reconnects and subscribes to all.
                    with suppress(redis.RedisError, OSError):
                        await self.pubsub.subscribe(*new)
        events = [self.confirmed[self.prefix + topic] for topic in subscription.topics]
        try:
            async with asyncio.timeout(SUBSCRIBE_TIMEOUT):
                for event in events:
                    await event.wait()
        except TimeoutError:
            logger.warning(
                "live: Redis at %s has not confirmed a subscription to %s; it starts when Redis answers",
                _where(self.broker.url),
                subscription.topics,
            )

    def detach(self, subscription: Subscription) -> list[str]:
        """Forget a subscription; returns the channels nobody here wants any more."""
        gone = []
        for topic in subscription.topics:
            channel = self.prefix + topic
            subscribers = self.channels.get(channel)
            if subscribers is None:
                continue
            subscribers.discard(subscription)
            if not subscribers:
                del self.channels[channel]
                self.confirmed.pop(channel, None)
                gone.append(channel)
        return gone

    async def release(self, gone: list[str]) -> None:
        if not self.channels:
            await self.shutdown()
            return
        async with self.lock:
            # A new subscription may have wanted a channel again meanwhile.
            unwanted = [channel for channel in gone if channel not in self.channels]
            if unwanted and self.pubsub is not None:
                with suppress(redis.RedisError, OSError):
                    await self.pubsub.unsubscribe(*unwanted)

    async def shutdown(self) -> None:
        if self.reader is not None and self.reader is not asyncio.current_task():
            self.reader.cancel()
            await asyncio.wait([self.reader])  # wait() does not re-raise the reader's cancellation
        await self._disconnect()
        with suppress(redis.RedisError, OSError):
            await self.client.aclose()

    async def _connect(self) -> None:
        async with self.lock:
            pubsub = self.client.pubsub()
            try:
                await pubsub.subscribe(*self.channels)
            except BaseException:
                with suppress(Exception):
                    await pubsub.aclose()
                raise
            self.pubsub = pubsub

    async def _disconnect(self) -> None:
        pubsub, self.pubsub = self.pubsub, None
        if pubsub is not None:
            with suppress(Exception):
                await pubsub.aclose()

    async def _read(self) -> None:
        backoff, failing = BACKOFF_MIN, False
        while self.channels:
            try:
                if self.pubsub is None:
                    await self._connect()
                    backoff = BACKOFF_MIN
                    if failing:
                        failing = False
                        logger.warning("live: subscribed to Redis at %s again", _where(self.broker.url))
                        for subscription in {s for subs in self.channels.values() for s in subs}:
                            subscription._wake()
                message = await self.pubsub.get_message(timeout=IDLE_PING)
                if message is None:
                    async with self.lock:
                        if self.pubsub is not None:
                            await self.pubsub.ping()  # the PONG comes back through get_message
                    continue
            except (redis.RedisError, OSError) as exc:
                if not failing:
                    failing = True
                    logger.warning(
                        "live: lost the Redis subscriber connection to %s (%s); reconnecting",
                        _where(self.broker.url),
                        exc,
                    )
            except Exception:
                # A bug, not an outage: said loudly, then handled like one, so streams do not go quiet.
                failing = True
                logger.exception("live: the Redis subscriber failed; reconnecting")
            else:
                self._dispatch(message)
                continue
            for event in self.confirmed.values():
                event.clear()
            await self._disconnect()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX)

    def _dispatch(self, message: dict) -> None:
        channel = message.get("channel")
        if message["type"] == "subscribe":
            if (event := self.confirmed.get(channel or "")) is not None:
                event.set()
        elif message["type"] == "message" and channel is not None:
            item = (channel[len(self.prefix) :], message["data"])
            for subscription in list(self.channels.get(channel, ())):
                subscription._push(item)


_broker: Broker | None = None
_broker_lock = threading.Lock()


def _build() -> Broker:
    queue_size = getattr(settings, "LIVE_QUEUE_SIZE", DEFAULT_QUEUE_SIZE)
    if not settings.REDIS_URL:
        return InProcessBroker(queue_size)
    return RedisBroker(
        settings.REDIS_URL,
        prefix=channel_prefix(),
        queue_size=queue_size,
        timeout=getattr(settings, "LIVE_REDIS_TIMEOUT", DEFAULT_REDIS_TIMEOUT),
    )


def get_broker() -> Broker:
    """The broker the settings ask for, built once per process (reset_broker() forgets it)."""
    global _broker
    broker = _broker
    if broker is None:
        with _broker_lock:
            if _broker is None:
                _broker = _build()
            broker = _broker
    return broker


def reset_broker() -> None:
    """Forget the broker, so the next get_broker() reads the settings again. Open subscriptions keep
    working with the broker they started on until they close."""
    global _broker
    with _broker_lock:
        old, _broker = _broker, None
    if old is not None:
        old.close()


def publish(topic: str, message: dict) -> None:
    """Publish with the configured broker. Sync, from any thread; never raises."""
    get_broker().publish(topic, message)


def subscribe(topics: Sequence[str]) -> Subscription:
    """Subscribe with the configured broker: `async with subscribe([...]) as subscription: ...`."""
    return get_broker().subscribe(topics)


def _on_setting_changed(*, setting: str, **kwargs: object) -> None:
    if setting in SETTINGS:
        reset_broker()


setting_changed.connect(_on_setting_changed, dispatch_uid="civic311.live.broker")
