"""Middleware from plain functions that do no I/O, running in whichever mode the chain runs in.

Django runs a middleware that is sync-only on a thread under ASGI, and the middleware after it back on
the event loop (async_to_sync): two thread hops per request, and a nesting of threads and tasks that a
cancelled request (a client that hangs up) leaves half-run. Checks on headers and paths need neither:
`simple_middleware(before, after)` calls them inline, in sync and in async mode alike.

    before(request) -> HttpResponse | None      an answer that stops the request, or None to go on
    after(request, response) -> HttpResponse    the response, changed or replaced
"""

from collections.abc import Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest
from django.http.response import HttpResponseBase

Before = Callable[[HttpRequest], HttpResponseBase | None]
After = Callable[[HttpRequest, HttpResponseBase], HttpResponseBase]


def _no_answer(request: HttpRequest) -> None:
    return None


def _as_is(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    return response


def simple_middleware(before: Before = _no_answer, after: After = _as_is) -> type:
    """A middleware class (for MIDDLEWARE) that runs `before` and `after` around the rest of the chain."""

    class Middleware:
        sync_capable = True
        async_capable = True

        def __init__(self, get_response) -> None:
            self.get_response = get_response
            self.is_async = iscoroutinefunction(get_response)
            if self.is_async:
                markcoroutinefunction(self)

        def __call__(self, request: HttpRequest):
            if self.is_async:
                return self._acall(request)
            return before(request) or after(request, self.get_response(request))

        async def _acall(self, request: HttpRequest) -> HttpResponseBase:
            return before(request) or after(request, await self.get_response(request))

    return Middleware
