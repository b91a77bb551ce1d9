"""Clients that hang up, against the real server (`civic311 serve`, one process, a pool of 3 database
connections): whenever a request ends, finished, failed or cancelled, its connection goes back, and the
server keeps answering. The sample city with its 5,000 requests, so the list reads take a while.

What "settled" means is read off the server's own /status.json: no connection in use, nobody waiting,
no thread still working for a request that has ended."""

import json
import os
import random
import socket
import struct
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from tests.servers import running_platform

POOL_SIZE = 3
# Slow reads: 500 requests with their extensions, a free-text search, the XML encoder, a portal page.
SLOW = [
    "/open311/v2/requests.json?page_size=500&extensions=true&q=street",
    "/open311/v2/requests.xml?page_size=500&extensions=true",
    "/open311/v2/requests.json?page_size=500&status=open&extensions=true",
    "/around/",
]
SETTLE_SECONDS = 60

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = {"DB_POOL_SIZE": str(POOL_SIZE), "DB_POOL_TIMEOUT": "2", "TASKS_BACKEND": "db"}
    with running_platform(
        tmp_path_factory.mktemp("hangups"),
        workers=1,
        env=env,
        init_args=("--sample-city",),
        serve_args=("--no-worker",),
    ) as server:
        yield server


def status(server) -> dict:
    with urllib.request.urlopen(f"{server.url}/status.json", timeout=10) as response:
        return json.load(response)


def settled(server) -> dict:
    """The server's status once nothing is left of the requests before (fails after SETTLE_SECONDS)."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        now = status(server)
        pool = now["database"]["pool"]
        # the status request itself holds a thread while it runs
        threads_done = now["threads"]["finishing"] == 0 and now["threads"]["busy"] <= 1
        if threads_done and (pool is None or (pool["in_use"] == 0 and pool["waiting"] == 0)):
            return now
        if time.monotonic() > deadline:
            log = server.log.read_text()[-3000:] if server.log else ""
            pytest.fail(f"the server did not settle within {SETTLE_SECONDS} s: {now}\n{log}")
        time.sleep(0.2)


def ordinary_requests_answer(server, count: int = 12) -> None:
    """Ordinary requests, several at once, each answered (a 10 s limit: the failure was a 30 s wait)."""
    paths = ["/open311/v2/services.json", "/open311/v2/requests.json", "/", "/open311/v2/services/SFD.json"]

    def get(n: int) -> int:
        with urllib.request.urlopen(f"{server.url}{paths[n % len(paths)]}", timeout=10) as response:
            response.read()
            return response.status

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(get, range(count))) == [200] * count


def connect(server) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def ask(sock: socket.socket, path: str) -> None:
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n".encode())


def hang_up(sock: socket.socket, *, abruptly: bool) -> None:
    """Close as a client that gives up: a FIN (curl --max-time), or a reset (a phone that lost its
    network, a load balancer's timeout)."""
    if abruptly:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def impatient_client(server, path: str, wait: float, *, read_first: bool, abruptly: bool) -> None:
    """Ask for `path`, then hang up after `wait` seconds, or once the answer has begun to arrive."""
    sock = connect(server)
    try:
        ask(sock, path)
        if read_first:
            sock.recv(1024)  # the response is being sent: hang up in the middle of it
        else:
            time.sleep(wait)
    except OSError:
        pass
    finally:
        hang_up(sock, abruptly=abruptly)


def storm(server, clients: list[tuple[str, float, bool, bool]]) -> None:
    """All the clients at once: (path, wait, read_first, abruptly) each."""
    with ThreadPoolExecutor(len(clients)) as pool:
        list(
            pool.map(lambda c: impatient_client(server, c[0], c[1], read_first=c[2], abruptly=c[3]), clients)
        )


def test_sixty_clients_hanging_up_after_10_ms_leave_no_connection_taken(server):
    """The operator's report: 60 clients of a slow read that hang up after 10 ms (curl --max-time 0.01)."""
    settled(server)
    storm(server, [(SLOW[0], 0.01, False, False)] * 60)
    assert_settled_and_answering(server)


def test_clients_hanging_up_at_any_moment_leave_no_connection_taken(server):
    settled(server)
    rng = random.Random(9)
    clients = []
    for n in range(72):
        # before the view (at once), inside the view and its queries (up to 0.4 s), or mid-response
        wait = rng.choice([0.0, 0.002, 0.01, 0.03, 0.08, 0.15, 0.25, 0.4])
        clients.append((SLOW[n % len(SLOW)], wait, n % 6 == 5, n % 2 == 0))
    storm(server, clients)
    assert_settled_and_answering(server)


def assert_settled_and_answering(server) -> None:
    after = settled(server)
    ordinary_requests_answer(server)
    if after["database"]["pool"] is not None:
        assert after["database"]["pool"]["in_use"] == 0


def a_public_request_number(server) -> str:
    with urllib.request.urlopen(f"{server.url}/open311/v2/requests.json?page_size=1", timeout=10) as r:
        return json.load(r)[0]["service_request_id"]


def open_stream(server, number: str) -> socket.socket:
    """A live stream of one request's updates, open once its first line (the retry hint) arrived."""
    sock = connect(server)
    ask(sock, f"/live/requests/{number}/events")
    received = b""
    while b"retry:" not in received:
        chunk = sock.recv(4096)
        assert chunk, f"the stream closed before it began: {received!r}"
        received += chunk
    assert b" 200 " in received.split(b"\r\n", 1)[0]
    return sock


def idle_streams(server) -> dict:
    """The status once no connection is in use, while streams stay open (fails after SETTLE_SECONDS)."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        now = status(server)
        pool = now["database"]["pool"]
        if pool is None or pool["in_use"] == 0:
            return now
        assert time.monotonic() < deadline, f"open streams held a connection for {SETTLE_SECONDS} s: {now}"
        time.sleep(0.2)


def test_open_live_streams_hold_no_connection_and_vanished_ones_leave_nothing(server):
    settled(server)
    number = a_public_request_number(server)
    # Twice as many streams as connections: each looked its request up, and gave the connection back.
    streams = [open_stream(server, number) for _ in range(POOL_SIZE * 2)]
    try:
        # Each stream reads its missed events once after it opened (the replay from start_id): a moment's
        # use, which a busy machine stretches. Then, open and idle, they hold nothing.
        now = idle_streams(server)
        assert now["threads"]["busy"] >= len(streams)
        ordinary_requests_answer(server)
    finally:
        for n, sock in enumerate(streams):
            hang_up(sock, abruptly=n % 2 == 0)
    # and the same for streams whose clients vanish as soon as they opened
    for n in range(POOL_SIZE * 4):
        hang_up(open_stream(server, number), abruptly=n % 2 == 1)

    settled(server)
    ordinary_requests_answer(server)


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the connection pool is PostgreSQL's",
)
def test_a_request_that_finds_no_free_connection_is_answered_503_at_once(server):
    settled(server)
    held: list[int] = []

    def blocked_read(n: int) -> None:
        try:
            with urllib.request.urlopen(f"{server.url}{SLOW[0]}&n={n}", timeout=60) as response:
                held.append(response.status)
        except urllib.error.HTTPError as exc:
            held.append(exc.code)

    readers = [threading.Thread(target=blocked_read, args=(n,)) for n in range(POOL_SIZE)]
    table_lock = psycopg.connect(server.env["DATABASE_URL"])
    try:
        # Every connection of the pool taken by a read waiting for this lock.
        table_lock.execute("LOCK TABLE servicerequests_servicerequest IN ACCESS EXCLUSIVE MODE")
        for reader in readers:
            reader.start()
        deadline = time.monotonic() + 20
        while status(server)["database"]["pool"]["in_use"] < POOL_SIZE:
            assert time.monotonic() < deadline, status(server)
            time.sleep(0.1)
        busy = status(server)
        assert busy["database"]["pool"]["in_use"] == POOL_SIZE

        # Within DB_POOL_TIMEOUT (2 s), not 30: a client timeout of 15 s would fail a 30 s wait.
        for path, content_type in [
            ("/open311/v2/requests.json?page_size=1", "application/json"),
            ("/open311/v2/requests.xml?page_size=1", "text/xml"),
            ("/", "text/html"),
        ]:
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{server.url}{path}", timeout=15)
            assert refused.value.code == 503, path
            assert refused.value.headers["Retry-After"] == "5"
            assert refused.value.headers["Content-Type"].startswith(content_type)
            body = refused.value.read().decode()
            if content_type == "application/json":
                assert json.loads(body)[0]["code"] == 503
                assert "busy" in json.loads(body)[0]["description"]
            elif content_type == "text/xml":
                assert "<code>503</code>" in body
        assert status(server)["database"]["pool"]["refused"] >= 3
    finally:
        table_lock.rollback()
        table_lock.close()
    for reader in readers:
        reader.join(timeout=60)
    assert held == [200] * POOL_SIZE
    settled(server)
    ordinary_requests_answer(server)
    assert "database pool exhausted" in server.log.read_text()


EXPORTS = ["/data/requests.csv", "/data/requests.geojson", "/data/requests.parquet"]


def test_an_export_streams_whole_and_clients_leaving_mid_export_leave_nothing_taken(server):
    settled(server)
    with urllib.request.urlopen(f"{server.url}/data/stats.json", timeout=30) as response:
        total = json.load(response)["total"]["requests"]
    with urllib.request.urlopen(f"{server.url}/data/requests.csv", timeout=60) as response:
        # Sent as it is read: no length known in advance, the body in chunks.
        assert response.headers["Transfer-Encoding"] == "chunked"
        assert response.headers["Content-Length"] is None
        lines = response.read().decode().splitlines()
    assert total > 1000 and len(lines) - 1 == total
    rng = random.Random(13)
    clients = [
        (EXPORTS[n % 3], rng.choice([0.0, 0.005, 0.02, 0.1]), n % 2 == 0, n % 4 < 2) for n in range(24)
    ]
    storm(server, clients)
    assert_settled_and_answering(server)
