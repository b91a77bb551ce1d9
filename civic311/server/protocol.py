"""uvicorn's HTTP protocol (httptools), with a deadline for a request's line and headers.

uvicorn waits for headers as long as a client likes: a connection that opens and sends nothing, or
trickles a header a byte at a time (slowloris), is held for ever, and enough of them take every
connection the server allows. Here the request line and headers must be complete within
CIVIC311_HEADER_TIMEOUT_SECONDS of the connection opening (or of the next request starting on a kept-alive
connection), else the server answers 408 and closes. The body's own pace is checked by limits.py.
"""

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from civic311.lib.env import envfloat

# Read here, not from Django's settings: uvicorn imports the protocol before the application.
HEADER_TIMEOUT = envfloat("CIVIC311_HEADER_TIMEOUT_SECONDS", 10.0)
TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class TimedHttpToolsProtocol(HttpToolsProtocol):
    header_timeout = HEADER_TIMEOUT

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._headers_due: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect_headers()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._expect_headers()

    def on_headers_complete(self) -> None:
        self._headers_arrived()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_arrived()
        super().connection_lost(exc)

    def _expect_headers(self) -> None:
        if self._headers_due is None:
            self._headers_due = self.loop.call_later(self.header_timeout, self._headers_too_late)

    def _headers_arrived(self) -> None:
        if self._headers_due is not None:
            self._headers_due.cancel()
            self._headers_due = None

    def _headers_too_late(self) -> None:
        self._headers_due = None
        if not self.transport.is_closing():
            self.transport.write(TIMED_OUT)
            self.transport.close()
