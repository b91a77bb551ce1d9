"""The ASGI handler, in this process: a request's connections are given back however it ends, a
connection is held only while synchronous code runs, and the middleware runs in async mode without
hopping threads. (Against the real server process: test_hang_ups.py.)"""

import asyncio
import threading
import time

import pytest
from django.db import connections

from civic311.server.handler import Civic311ASGIHandler
from civic311.server.pool import pool_status
from civic311.server.threads import RequestThread, RequestThreads
from tests.server import urls as test_urls

# A sync-only middleware, as a third party may bring: Django then runs the rest of the chain through
# async_to_sync inside a thread, the nesting that can leave a cancelled request's view to run on after
# request_finished (see docs/decisions.md).
SYNC_ONLY = "tests.server.test_handler.SyncOnlyMiddleware"


class SyncOnlyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)


def scope(path: str, method: str = "GET", headers: list | None = None) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


async def call(app, path: str, *, method: str = "GET", headers=None, hang_up_when=None) -> dict:
    """One request through `app`. `hang_up_when`: a threading.Event; once set, the client disconnects."""
    received: dict = {"status": None, "headers": {}, "body": b""}
    asked = False

    async def receive():
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        if hang_up_when is None:
            await asyncio.Event().wait()  # never: a client that stays
        await asyncio.to_thread(hang_up_when.wait, 20)
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            received["status"] = message["status"]
            received["headers"] = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            received["body"] += message.get("body", b"")

    await app(scope(path, method, headers), receive, send)
    return received


def in_use_by_requests() -> int:
    """Pooled connections in use, but for this test thread's own."""
    pool = pool_status()
    assert pool is not None
    return pool["in_use"] - (connections["default"].connection is not None)


def given_back(wrapper) -> bool:
    """The connection was returned: closed (a pooled or short-lived one), or kept by its thread for the
    next request outside any transaction (a persistent one: SQLite's, server/connections.py)."""
    if wrapper.connection is None:
        return True
    return wrapper.settings_dict["CONN_MAX_AGE"] is None and not wrapper.in_atomic_block


def wait_until(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def run():
    """run(coroutine): its result, from an event loop that keeps running in a thread of its own after
    (as a server's does), so tasks a cancelled request left behind go on as they would in production."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield lambda coroutine: asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@pytest.fixture
def gate():
    test_urls.GATE = test_urls.Gate()
    yield test_urls.GATE
    test_urls.GATE.release.set()


def make_handler(settings, *, sync_only_middleware: bool = False) -> Civic311ASGIHandler:
    """The handler over the test views, with threads of its own; optionally a sync-only middleware in
    its chain."""
    settings.ROOT_URLCONF = "tests.server.urls"
    if sync_only_middleware:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, SYNC_ONLY]
    app = Civic311ASGIHandler()
    app.threads = RequestThreads()
    return app


@pytest.fixture
def handler(settings, transactional_db):
    return make_handler(settings)


def release_soon_after_it_entered(gate) -> None:
    """Let the view go on 0.2 s after it began to wait (after its client has gone)."""

    def release() -> None:
        if gate.entered.wait(10):
            time.sleep(0.2)
        gate.release.set()

    threading.Thread(target=release, daemon=True).start()


@pytest.mark.parametrize("sync_only_middleware", [False, True], ids=["async chain", "sync-only middleware"])
def test_a_view_still_running_when_its_client_hangs_up_gives_its_connection_back_when_it_ends(
    settings, transactional_db, gate, run, sync_only_middleware
):
    handler = make_handler(settings, sync_only_middleware=sync_only_middleware)
    release_soon_after_it_entered(gate)
    answer = run(call(handler, "/slow/", hang_up_when=gate.entered))
    assert answer["status"] is None  # nothing was sent to a client that left
    wait_until(lambda: handler.threads.status()["busy"] == 0)
    # Both of the view's queries ran, and the thread's connection was closed after the second.
    assert len(gate.connections) == 2
    assert given_back(gate.connections[0])
    if pool_status() is not None:
        assert in_use_by_requests() == 0


def test_a_finished_request_closes_its_connections_and_its_thread_serves_the_next(handler, gate, run):
    gate.release.set()
    first = run(call(handler, "/slow/"))
    assert first["status"] == 200 and first["body"] == b"done"
    wait_until(lambda: handler.threads.status() == {"busy": 0, "finishing": 0, "idle": 1})
    assert given_back(gate.connections[-1])
    run(call(handler, "/slow/"))
    wait_until(lambda: handler.threads.status()["busy"] == 0)
    assert handler.threads.status()["idle"] == 1  # the same thread again, not a new one


@pytest.mark.skipif("connections['default'].vendor != 'postgresql'")
def test_an_async_view_holds_no_pooled_connection_while_it_awaits(handler, gate):
    """A live stream awaits for minutes between its queries: the pool must not lend it a connection for
    that long."""
    done: dict = {}

    def serve() -> None:
        done["response"] = asyncio.run(call(handler, "/waits/"))

    client = threading.Thread(target=serve)
    client.start()
    assert gate.entered.wait(10)
    wait_until(lambda: in_use_by_requests() == 0)
    assert gate.connections[0].connection is None
    gate.release.set()
    client.join(20)
    assert done["response"]["status"] == 200


def test_an_async_view_cancelled_while_it_awaits_leaves_nothing_behind(handler, gate, run):
    run(call(handler, "/waits/", hang_up_when=gate.entered))
    wait_until(lambda: handler.threads.status()["busy"] == 0)
    assert all(given_back(wrapper) for wrapper in gate.connections)


def test_the_middleware_answers_in_async_mode_preflight_and_oversized_bodies(
    settings, transactional_db, city, run
):
    app = Civic311ASGIHandler()
    preflight = run(call(app, "/open311/v2/requests.json", method="OPTIONS"))
    assert preflight["status"] == 204
    assert preflight["headers"]["access-control-allow-origin"] == "*"
    assert "X-Total-Count" in preflight["headers"]["access-control-expose-headers"]
    too_big = str(settings.CIVIC311_MAX_REQUEST_BYTES + 1).encode()
    refused = asyncio.run(
        call(app, "/open311/v2/requests.xml", method="POST", headers=[(b"content-length", too_big)])
    )
    assert refused["status"] == 413
    assert b"<code>413</code>" in refused["body"]
    listed = run(call(app, "/open311/v2/services.json"))
    assert listed["status"] == 200
    assert listed["headers"]["access-control-allow-origin"] == "*"


def test_a_request_thread_runs_calls_in_order_on_one_thread_and_closes_after_the_last():
    threads = RequestThreads()
    thread = RequestThread(threads)
    release = threading.Event()
    ran: list[tuple[str, int]] = []
    thread.submit(lambda: (release.wait(5), ran.append(("first", threading.get_ident()))))
    thread.submit(lambda: ran.append(("second", threading.get_ident())))
    thread.end()  # the request ended while its first call still runs
    assert threads.status() == {"busy": 1, "finishing": 1, "idle": 0}
    with pytest.raises(RuntimeError, match="has ended"):
        thread.submit(print)
    release.set()
    wait_until(lambda: threads.status() == {"busy": 0, "finishing": 0, "idle": 1})
    assert [name for name, _ in ran] == ["first", "second"]
    assert ran[0][1] == ran[1][1]


def test_a_request_that_runs_no_synchronous_code_takes_no_thread():
    threads = RequestThreads()
    RequestThread(threads).end()
    assert threads.status() == {"busy": 0, "finishing": 0, "idle": 0}


def test_idle_threads_beyond_the_limit_are_stopped():
    threads = RequestThreads(max_idle=1)
    first, second = RequestThread(threads), RequestThread(threads)
    for thread in (first, second):
        thread.submit(lambda: None)
    for thread in (first, second):
        thread.end()
    wait_until(lambda: threads.status()["busy"] == 0)
    assert threads.status()["idle"] == 1
