"""A local HTTP server speaking Twilio's REST format for Messages, for tests of what we send by text.

- POST /2010-04-01/Accounts/{AccountSid}/Messages.json (form: To, From, Body, MediaUrl…, HTTP basic auth
  with the account SID and auth token) -> 201 and a Message resource in JSON; each one is recorded.
- GET /media/{name}: files put there with `serve()` (the photos of an MMS), with their content type;
  each fetch is recorded with the Authorization it carried.
- `fail(status, code, message)` makes the next POSTs answer with Twilio's error JSON; `stall(seconds)` makes
  the next POST wait (a timeout).

    with FakeTwilio(account_sid="AC…", auth_token="…") as fake:
        settings.TWILIO_API_BASE = fake.url
"""

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-auth-token-0123456789"


@dataclass
class Sent:
    """One message the fake accepted (or refused: `status`)."""

    to: str
    from_: str
    body: str
    media_urls: list[str]
    status: int
    sid: str = ""


@dataclass
class Fetch:
    path: str
    authorization: str


@dataclass
class _Failure:
    status: int
    code: int
    message: str
    times: int


@dataclass
class FakeTwilio:
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    sent: list[Sent] = field(default_factory=list)
    fetches: list[Fetch] = field(default_factory=list)
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    failures: list[_Failure] = field(default_factory=list)
    stall_seconds: float = 0.0
    url: str = ""

    def __enter__(self) -> "FakeTwilio":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                fake.fetches.append(Fetch(self.path, self.headers.get("Authorization", "")))
                name = self.path.removeprefix("/media/")
                if not self.path.startswith("/media/") or name not in fake.files:
                    self._json(404, {"code": 20404, "message": "The requested resource was not found"})
                    return
                content, content_type = fake.files[name]
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
                expected = f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json"
                credentials = base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
                if self.path != expected:
                    self._json(404, {"code": 20404, "message": "The requested resource was not found"})
                    return
                if self.headers.get("Authorization") != f"Basic {credentials}":
                    self._json(401, {"code": 20003, "message": "Authenticate", "status": 401})
                    return
                if fake.stall_seconds:
                    time.sleep(fake.stall_seconds)
                sent = Sent(
                    to=form.get("To", [""])[0],
                    from_=form.get("From", [""])[0],
                    body=form.get("Body", [""])[0],
                    media_urls=form.get("MediaUrl", []),
                    status=201,
                )
                if fake.failures:
                    failure = fake.failures[0]
                    failure.times -= 1
                    if failure.times <= 0:
                        fake.failures.pop(0)
                    sent.status = failure.status
                    fake.sent.append(sent)
                    self._json(
                        failure.status,
                        {"code": failure.code, "message": failure.message, "status": failure.status},
                    )
                    return
                sent.sid = "SM" + uuid.uuid4().hex
                fake.sent.append(sent)
                self._json(
                    201,
                    {
                        "sid": sent.sid,
                        "account_sid": fake.account_sid,
                        "to": sent.to,
                        "from": sent.from_,
                        "body": sent.body,
                        "status": "queued",
                        "num_media": str(len(sent.media_urls)),
                        "direction": "outbound-api",
                        "api_version": "2010-04-01",
                        "uri": f"{expected.removesuffix('.json')}/{sent.sid}.json",
                    },
                )

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def serve(self, name: str, content: bytes, content_type: str) -> str:
        """Serve a file at /media/{name}; returns its URL (a MediaUrl)."""
        self.files[name] = (content, content_type)
        return f"{self.url}/media/{name}"

    def fail(self, status: int, code: int, message: str, times: int = 1) -> None:
        self.failures.append(_Failure(status, code, message, times))

    def stall(self, seconds: float) -> None:
        self.stall_seconds = seconds

    @property
    def delivered(self) -> list[Sent]:
        return [s for s in self.sent if s.status == 201]


@pytest.fixture(name="fake_twilio")
def fake_twilio_fixture(settings):
    """A running FakeTwilio, with the settings pointing at it (SMS_PROVIDER twilio)."""
    with FakeTwilio() as fake:
        settings.SMS_PROVIDER = "twilio"
        settings.TWILIO_API_BASE = fake.url
        settings.TWILIO_ACCOUNT_SID = fake.account_sid
        settings.TWILIO_AUTH_TOKEN = fake.auth_token
        settings.SMS_FROM = "+13125550199"
        yield fake
