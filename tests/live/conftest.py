"""Fixtures for the live updates: the broker of either backend, a real Redis with channels of the test's
own, the platform served by uvicorn in a thread of this process, and readers of event streams.

Redis is the real one on 127.0.0.1:6379; each test gets a channel prefix of its own, so runs in parallel
(xdist, the SQLite and PostgreSQL suites, other people's tests) never hear each other. Without Redis the
Redis tests are skipped, but under CI (CI set) they fail instead.
"""

import asyncio
import json
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager

import httpx
import pytest
import redis
import uvicorn
from django.db import connections

from civic311.live import broker

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SERVER_START_TIMEOUT = 10.0
WAIT = 10.0  # seconds: generous, for events that normally take milliseconds


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        message = f"Redis is not reachable at {REDIS_URL} ({exc})"
        if under_ci():
            pytest.fail(message + "; under CI the Redis tests must run, not skip")
        pytest.skip(message)
    return REDIS_URL


@pytest.fixture
def channel_prefix() -> str:
    return f"civic311-test-{uuid.uuid4().hex[:12]}:"


@pytest.fixture
def in_process(settings) -> broker.Broker:
    """The embedded backend (REDIS_URL empty), fresh for the test."""
    settings.REDIS_URL = ""
    broker.reset_broker()
    yield broker.get_broker()
    broker.reset_broker()


@pytest.fixture
def over_redis(settings, redis_url: str, channel_prefix: str) -> broker.Broker:
    """The Redis backend, on channels of this test's own."""
    settings.REDIS_URL = redis_url
    settings.LIVE_CHANNEL_PREFIX = channel_prefix
    broker.reset_broker()
    yield broker.get_broker()
    broker.reset_broker()


@pytest.fixture(params=["in_process", "over_redis"])
def any_broker(request: pytest.FixtureRequest) -> broker.Broker:
    """Each test twice: with the in-process backend and with Redis."""
    return request.getfixturevalue(request.param)


async def eventually(condition, timeout: float = WAIT, what: str = "the condition") -> None:
    """Wait until `condition()` is true, checking often: for things with no event to await."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        await asyncio.sleep(0.01)


class Listener:
    """A subscription held in an event loop of its own thread, as an SSE stream holds one in the server,
    while the test's thread publishes (or records events): it collects what arrives."""

    def __init__(self, topics: Sequence[str]) -> None:
        self.topics = list(topics)
        self.messages: queue.Queue[dict] = queue.Queue()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), name="listener", daemon=True)

    async def _run(self) -> None:
        self._loop, self._task = asyncio.get_running_loop(), asyncio.current_task()
        try:
            async with broker.subscribe(self.topics) as subscription:
                self._ready.set()
                async for message in subscription:
                    self.messages.put(message)
        except asyncio.CancelledError:
            pass
        except BaseException as exc:
            self._error = exc
        finally:
            self._ready.set()

    def __enter__(self) -> "Listener":
        self._thread.start()
        assert self._ready.wait(WAIT), "the listener did not subscribe"
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._loop is not None and self._task is not None
        self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(WAIT)

    def next(self, timeout: float = WAIT) -> dict:
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"nothing arrived on {self.topics} within {timeout} s") from None


@pytest.fixture
def server_url(transactional_db, settings, in_process) -> Iterator[str]:
    """The platform (civic311.asgi.application) served by uvicorn on a free port, in a thread of this
    process, with the in-process broker: what the test records through the domain is published in this
    process, and reaches the server's streams as it would reach them from the server's own threads.

    transactional_db: rows the test writes are committed, so the server's threads see them, and
    on_commit hooks (the publishing) run as in production.
    """
    from civic311.asgi import application

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # bound here and handed to uvicorn: no race for the port
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    config = uvicorn.Config(
        application, lifespan="off", log_level="warning", access_log=False, timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            pytest.fail(f"the server did not start within {SERVER_START_TIMEOUT} s")
        time.sleep(0.01)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


async def in_thread(function, *args, **kwargs):
    """Run sync code that uses the database from async test code, in a worker thread whose database
    connection is closed after (as Django closes a request's)."""

    def call():
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    return await asyncio.to_thread(call)


class EventStream:
    """Reads a text/event-stream response block by block (a block ends with a blank line)."""

    def __init__(self, response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def block(self, timeout: float = WAIT) -> list[str]:
        async with asyncio.timeout(timeout):
            lines: list[str] = []
            async for line in self._lines:
                if line == "":
                    if lines:
                        return lines
                    continue
                lines.append(line)
        raise AssertionError(f"the stream ended: {lines}")

    async def event(self, timeout: float = WAIT) -> dict:
        """The next event (pings and other comments skipped): {"id": …, "event": …, "data": {…}}."""
        async with asyncio.timeout(timeout):
            while True:
                fields: dict = {}
                for line in await self.block(timeout):
                    if line.startswith(":"):
                        continue
                    name, _, value = line.partition(":")
                    fields[name] = value.removeprefix(" ")
                if "data" in fields:
                    fields["data"] = json.loads(fields["data"])
                    return fields


@asynccontextmanager
async def open_stream(url: str, headers: dict | None = None) -> AsyncIterator[EventStream]:
    """GET an event stream with httpx.AsyncClient; closing it is the client going away."""
    async with (
        httpx.AsyncClient(timeout=WAIT, headers=headers) as client,
        client.stream("GET", url) as response,
    ):
        yield EventStream(response)
