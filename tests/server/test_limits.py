"""What a request may send, against the real server (`civic311 serve`): refused as it arrives, before the
body is read. A 5 MB limit, 2 s for the headers, and after a 2 s grace a body must come at 1 kB/s."""

import json
import socket
import threading
import time
import urllib.request

import pytest

from tests.servers import running_platform

LIMIT = 5_000_000
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = {
        "CIVIC311_MAX_REQUEST_BYTES": str(LIMIT),
        "CIVIC311_HEADER_TIMEOUT_SECONDS": "2",
        "CIVIC311_BODY_GRACE_SECONDS": "2",
        "CIVIC311_BODY_MIN_BYTES_PER_SECOND": "1000",
        "CIVIC311_MAX_CONNECTIONS": "8",
        "TASKS_BACKEND": "db",
    }
    with running_platform(
        tmp_path_factory.mktemp("limits"), workers=1, env=env, serve_args=("--no-worker",)
    ) as server:
        yield server


def connect(server, timeout: float = 10) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=timeout)


def answer_of(sock: socket.socket) -> tuple[int, bytes]:
    """The status and whatever the server sent, until it closed or went quiet."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
            if b"\r\n\r\n" in received and received.startswith(b"HTTP/1.1 4"):
                head, _, body = received.partition(b"\r\n\r\n")
                length = [
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ]
                if length and len(body) >= length[0]:
                    break
    except (TimeoutError, ConnectionResetError):
        pass
    status = int(received.split(b" ", 2)[1]) if received.startswith(b"HTTP/") else 0
    return status, received


def headers(path: str, *lines: str, method: str = "POST") -> bytes:
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(f"{line}\r\n" for line in lines) + "\r\n"
    ).encode()


def test_a_declared_length_over_the_limit_is_refused_before_any_of_the_body(server):
    sock = connect(server, timeout=5)
    sock.sendall(
        headers(
            "/open311/v2/requests.json",
            "Content-Type: application/x-www-form-urlencoded",
            "Content-Length: 70000000",
        )
    )
    status, answer = answer_of(sock)
    assert status == 413
    assert b"at most 5000000 are accepted" in answer


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def multipart_head(key: str) -> bytes:
    return (
        b'--XyZ\r\nContent-Disposition: form-data; name="api_key"\r\n\r\n' + key.encode() + b"\r\n"
        b'--XyZ\r\nContent-Disposition: form-data; name="service_code"\r\n\r\nPHF\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="media"; filename="big.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n"
    )


def stream_upload(sock: socket.socket, first: bytes, total: int) -> int:
    """Send `first`, then filler, chunked, up to `total` bytes or until the server stops taking them;
    returns how many bytes were sent."""
    sent = 0
    try:
        sock.sendall(chunk(first))
        sent += len(first)
        block = b"\xff" * 65536
        while sent < total:
            sock.sendall(chunk(block))
            sent += len(block)
    except (BrokenPipeError, ConnectionResetError, TimeoutError):
        pass
    return sent


def upload(server, key: str, *header_lines: str) -> tuple[int, bytes, int]:
    """An 80 MB chunked multipart POST whose fields (key first) come before its photo, sent until the
    server stops taking it: (status, answer, bytes sent)."""
    sock = connect(server, timeout=10)
    sock.sendall(
        headers(
            "/open311/v2/requests.json",
            "Content-Type: multipart/form-data; boundary=XyZ",
            "Transfer-Encoding: chunked",
            *header_lines,
        )
    )
    answers = {}
    reader = threading.Thread(target=lambda: answers.setdefault("it", answer_of(sock)))
    reader.start()
    sent = stream_upload(sock, multipart_head(key), 80_000_000)
    reader.join(30)
    status, answer = answers["it"]
    return status, answer, sent


@pytest.mark.parametrize("where", ["form field before the files", "X-Api-Key header"])
def test_a_chunked_upload_with_a_wrong_key_is_refused_before_its_photos(server, where):
    extra = ["X-Api-Key: c311_wrong"] if where == "X-Api-Key header" else []
    status, answer, sent = upload(server, "c311_wrong", *extra)
    # The server answers after the first fields and takes no more of the 80 MB on offer.
    assert status == 403
    assert b"not valid" in answer
    assert sent < 80_000_000


def test_a_body_that_grows_past_the_limit_is_refused_at_that_point(server):
    status, answer, sent = upload(server, server.api_key, f"X-Api-Key: {server.api_key}")
    assert status == 413
    assert b"at most that are accepted" in answer
    assert sent < 80_000_000


def test_a_body_sent_a_byte_at_a_time_is_cut_off(server):
    sock = connect(server, timeout=15)
    sock.sendall(
        headers("/report/", "Content-Type: application/x-www-form-urlencoded", "Content-Length: 1000")
    )
    started = time.monotonic()
    answers = {}
    reader = threading.Thread(target=lambda: answers.setdefault("it", answer_of(sock)))
    reader.start()
    try:
        while reader.is_alive() and time.monotonic() - started < 30:
            sock.sendall(b"a")
            time.sleep(0.5)
    except (BrokenPipeError, ConnectionResetError):
        pass
    reader.join(5)
    status, answer = answers["it"]
    assert status == 408
    assert b"too slowly" in answer


def test_headers_sent_a_byte_at_a_time_are_cut_off(server):
    sock = connect(server, timeout=15)
    started = time.monotonic()
    closed = False
    try:
        for byte in b"GET /open311/v2/services.json HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100:
            sock.sendall(bytes([byte]))
            time.sleep(0.1)
    except (BrokenPipeError, ConnectionResetError):
        closed = True
    status, _ = answer_of(sock)
    assert closed or status == 408
    assert time.monotonic() - started < 15


def test_a_connection_that_sends_nothing_is_closed(server):
    sock = connect(server, timeout=15)
    started = time.monotonic()
    status, _ = answer_of(sock)
    assert status in (0, 408)  # closed, with or without a word
    assert time.monotonic() - started < 10


def test_connections_beyond_the_limit_are_answered_503(server):
    with urllib.request.urlopen(f"{server.url}/open311/v2/requests.json?page_size=1") as response:
        assert response.status == 200
    held = []
    try:
        for _ in range(8):  # idle live streams would do as well; open connections that sent headers
            sock = connect(server)
            sock.sendall(
                headers("/report/", "Content-Type: application/x-www-form-urlencoded", "Content-Length: 100")
            )
            held.append(sock)
        time.sleep(0.3)
        extra = connect(server)
        extra.sendall(headers("/open311/v2/services.json", method="GET"))
        status, _ = answer_of(extra)
        assert status == 503
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.5)
    sock = connect(server)
    sock.sendall(headers("/open311/v2/services.json", "Connection: close", method="GET"))
    received = b""
    while chunk_ := sock.recv(65536):
        received += chunk_
    assert received.startswith(b"HTTP/1.1 200")
    json.loads(received.partition(b"\r\n\r\n")[2])
