"""Server-Sent Events from async views: a stream of the messages of some broker topics.

    async def view(request):
        return sse_response(request, ["request:SR26-000123-4"], transform=public_only)

The stream starts with a `retry:` hint, sent once the subscription is active (so a client that has read
it knows later events will reach it), then one event per message:

    id: 123                 (the message's "id", when it has one)
    event: message          (the message's "event", else "message": what EventSource.onmessage gets)
    data: {...}             (the message as JSON, without the broker's "topic")

and a `: ping` comment after `heartbeat` idle seconds, so proxies and load balancers keep the connection
open and a vanished client is noticed. When the client disconnects, Django's ASGI handler cancels the
response and the subscription is closed. After `max_age` seconds (less a random tenth, so clients do not
come back all at once) the stream ends by itself and the client reconnects: an open stream would
otherwise hold up a server's graceful shutdown for ever, and a node started later would get no share of
the long-lived connections.

Last-Event-ID: the broker keeps no history, so the stream cannot replay by itself. A view that can read
the history from the database passes `replay(last_event_id) -> list of messages`. The stream calls it,
once the subscription is active, from the client's Last-Event-ID header (EventSource sends it when it
reconnects) or else from `start_id`, and again from the last id it sent whenever the subscription may
have lost messages (a full queue, a Redis reconnection). `start_id` (the newest id when the view looked)
is also sent at once as a bare `id:` line, which sets the client's last event id without an event: so
even a client that saw no event yet resumes where it started after a dropped connection, and an event
recorded between the view's look and the subscription is not lost. Replayed and live messages are told
apart by id, so none is sent twice. Without `replay`, Last-Event-ID and `start_id` are ignored.
"""

import asyncio
import json
import random
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass

from django.http import HttpRequest, StreamingHttpResponse

from civic311.live.broker import get_broker

# What the client waits before reconnecting (ms): soon enough to feel live, not a stampede after a restart.
RETRY_MS = 3000
DEFAULT_HEARTBEAT = 15.0
DEFAULT_MAX_AGE = 300.0
# Ids of the last messages sent, so a message both replayed and received live goes out once.
RECENT_IDS = 500
# Ids are put on an `id:` line: one short line, never a newline inside.
MAX_ID_LENGTH = 100

Transform = Callable[[dict], dict | None]
Replay = Callable[[str], Awaitable[Sequence[dict]]]


def _clean_id(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_ID_LENGTH or "\n" in value or "\r" in value:
        return ""
    return value


def format_event(message: dict) -> bytes:
    """One SSE event: id/event/data lines and the blank line that ends it."""
    lines = []
    if (event_id := _clean_id(str(message.get("id", "")))) != "":
        lines.append(f"id: {event_id}")
    event = str(message.get("event") or "message").replace("\n", " ").replace("\r", " ")
    lines.append(f"event: {event}")
    data = {key: value for key, value in message.items() if key != "topic"}
    # json.dumps escapes newlines inside strings, so the data is one line.
    lines.append(f"data: {json.dumps(data, separators=(',', ':'))}")
    return ("\n".join(lines) + "\n\n").encode()


class _Sent:
    """The ids sent lately, and the last one (where a replay picks up)."""

    def __init__(self, last_id: str) -> None:
        self.last_id = last_id
        self._order: deque[str] = deque(maxlen=RECENT_IDS)
        self._ids: set[str] = set()

    def seen(self, message: dict) -> bool:
        return "id" in message and str(message["id"]) in self._ids

    def add(self, message: dict) -> None:
        if "id" not in message:
            return
        event_id = str(message["id"])
        if len(self._order) == self._order.maxlen:
            self._ids.discard(self._order[0])
        self._order.append(event_id)
        self._ids.add(event_id)
        self.last_id = event_id


@dataclass
class _Options:
    topics: list[str]
    transform: Transform | None
    heartbeat: float
    max_age: float
    replay: Replay | None
    resume_from: str  # Last-Event-ID, else start_id
    announce_id: str  # start_id, sent as a bare id line when the client gave no Last-Event-ID
    retry_ms: int


async def _stream(options: _Options) -> AsyncIterator[bytes]:
    sent = _Sent(options.resume_from)

    def shaped(message: dict) -> dict | None:
        return options.transform(message) if options.transform is not None else message

    async def replayed() -> AsyncIterator[bytes]:
        if options.replay is None or not sent.last_id:
            return
        for message in await options.replay(sent.last_id):
            out = shaped(message)
            if out is not None and not sent.seen(out):
                sent.add(out)
                yield format_event(out)

    loop = asyncio.get_running_loop()
    ends_at = loop.time() + options.max_age * random.uniform(0.9, 1.0)
    async with get_broker().subscribe(options.topics) as subscription:
        yield f"retry: {options.retry_ms}\n\n".encode()
        if options.announce_id and options.replay is not None:
            yield f"id: {options.announce_id}\n\n".encode()
        async for chunk in replayed():
            yield chunk
        missed = subscription.missed
        while (left := ends_at - loop.time()) > 0:
            message = await subscription.get(timeout=min(options.heartbeat, left))
            if subscription.missed != missed:
                missed = subscription.missed
                async for chunk in replayed():
                    yield chunk
            if message is None:
                if ends_at - loop.time() > 0:
                    yield b": ping\n\n"
                continue
            out = shaped(message)
            if out is None or sent.seen(out):
                continue
            sent.add(out)
            yield format_event(out)


def sse_response(
    request: HttpRequest,
    topics: Sequence[str],
    *,
    transform: Transform | None = None,
    heartbeat: float = DEFAULT_HEARTBEAT,
    replay: Replay | None = None,
    start_id: str = "",
    max_age: float = DEFAULT_MAX_AGE,
    retry_ms: int = RETRY_MS,
) -> StreamingHttpResponse:
    """A text/event-stream response of the messages published on `topics` (see the module docstring).

    `transform(message)` reshapes each message (None: skip it); it also sees replayed messages.
    """
    last_event_id = _clean_id(request.headers.get("Last-Event-ID", ""))
    start_id = _clean_id(start_id)
    options = _Options(
        topics=list(topics),
        transform=transform,
        heartbeat=heartbeat,
        max_age=max_age,
        replay=replay,
        resume_from=last_event_id or start_id,
        announce_id="" if last_event_id else start_id,
        retry_ms=retry_ms,
    )
    response = StreamingHttpResponse(_stream(options), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    # nginx buffers proxied responses unless told not to; a buffered event stream is not live.
    response["X-Accel-Buffering"] = "no"
    return response
