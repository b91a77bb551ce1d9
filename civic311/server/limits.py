"""What a request may send, enforced as it arrives, before Django reads a byte of its body.

Django's ASGI handler reads the whole body (into memory, then a file on disk) before any middleware or
view runs, so limits checked there come too late: a 70 MB body has arrived, an 80 MB upload with a wrong
key has been spooled to disk, a client that sends a byte every 3 s has held its connection for hours.
The guard (one per request, wrapping the server's `receive`) refuses:

- a declared Content-Length over CIVIC311_MAX_REQUEST_BYTES: 413 at once, nothing read;
- a body that grows past that limit as it arrives (chunked, or longer than declared): 413 at that byte;
- a body that arrives too slowly: after CIVIC311_BODY_GRACE_SECONDS it must keep up an average of
  CIVIC311_BODY_MIN_BYTES_PER_SECOND, else 408;
- a write to the API (open311/keys.py) with its key in the URL (400), or with a wrong key (403), before
  its body: the key is read from the X-Api-Key header, else from the first fields of a multipart body
  when they come before the files.

Headers that never end are the server's to time out (civic311/server/protocol.py).
"""

import asyncio
import time

from asgiref.sync import sync_to_async
from django.conf import settings

from civic311.lib import multipart
from civic311.lib.bodylimit import oversized
from civic311.lib.error_body import error_body
from civic311.open311 import keys

# How much of a multipart body is looked at for the key before the files (the key is a short field).
PEEK_BYTES = 64 * 1024


class Refused(Exception):
    """Answer the request with `status` and `description`, instead of reading on."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description

    async def answer(self, scope: dict, send) -> None:
        content_type, body = error_body(scope.get("path", ""), self.status, self.description)
        await send(
            {
                "type": "http.response.start",
                "status": self.status,
                "headers": [
                    (b"content-type", content_type.encode()),
                    (b"content-length", str(len(body)).encode()),
                    # what is left of the body is not read: the connection cannot carry another request
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class RequestGuard:
    """Wraps one request's `receive` (see the module docstring). check() before the body, then hand
    `receive` to the application in place of the server's."""

    def __init__(self, scope: dict, receive) -> None:
        self.scope = scope
        self._receive = receive
        self.headers = {
            name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]
        }
        self.limit = settings.CIVIC311_MAX_REQUEST_BYTES
        self.grace = settings.CIVIC311_BODY_GRACE_SECONDS
        self.min_rate = settings.CIVIC311_BODY_MIN_BYTES_PER_SECOND
        self.received = 0
        self.started: float | None = None
        self.body_done = False
        self._replay: list[dict] = []

    async def check(self) -> None:
        """Everything decided before the body is read (raises Refused)."""
        length = self.headers.get("content-length", "")
        if length:
            if not length.isdigit():
                raise Refused(400, f"request: Content-Length {length[:40]!r} is not a number of bytes")
            if (why := oversized(int(length))) is not None:
                raise Refused(413, why)
        if self.scope.get("method") == "POST" and keys.WRITES.match(self.scope.get("path", "")):
            await self._check_key()

    async def receive(self) -> dict:
        if self._replay:
            return self._replay.pop(0)
        return await self._next()

    async def _next(self) -> dict:
        if self.body_done:
            return await self._receive()
        now = time.monotonic()
        if self.started is None:
            self.started = now
        # By when the body so far should have grown: the grace, then the slowest rate allowed.
        due = self.started + self.grace + self.received / self.min_rate
        try:
            message = await asyncio.wait_for(self._receive(), timeout=max(due - now, 0.001))
        except TimeoutError:
            seconds = time.monotonic() - self.started
            raise Refused(
                408, f"request: the body came too slowly ({self.received} bytes in {seconds:.0f} s)"
            ) from None
        if message["type"] != "http.request":
            return message
        self.received += len(message.get("body", b""))
        if self.received > self.limit:
            raise Refused(413, f"request: the body is over {self.limit} bytes; at most that are accepted")
        if not message.get("more_body", False):
            self.body_done = True
        return message

    async def _check_key(self) -> None:
        if keys.in_the_url(self.scope.get("query_string", b"").decode("latin-1")):
            raise Refused(400, keys.IN_THE_URL)
        presented = self.headers.get(keys.HEADER.lower())
        if presented is None:
            boundary = multipart.boundary_of(self.headers.get("content-type", ""))
            if boundary is None:
                return  # a form-encoded write is small: the view reads the key from it
            presented = await self._field_before_files(boundary, keys.FIELD)
            if presented is None:
                return  # the key comes after the files, or not at all: the view says so
        if (why := await sync_to_async(keys.refusal)(presented)) is not None:
            raise Refused(403, why)

    async def _field_before_files(self, boundary: bytes, name: str) -> str | None:
        """Read the start of the body (kept, to be replayed to the application) for the field `name`."""
        head = b""
        while not self.body_done and len(head) < PEEK_BYTES:
            message = await self._next()
            self._replay.append(message)
            if message["type"] != "http.request":
                return None
            head += message.get("body", b"")
            decided, value = multipart.field_before_files(head, boundary, name)
            if decided:
                return value
        return None
