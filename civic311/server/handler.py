"""The ASGI application: Django's ASGI handler, with each request's synchronous code on a thread of ours
(threads.py) whose connections are closed when the request ends, however it ends, and its body guarded
as it arrives (limits.py).

A request for a synchronous view (every page and API call but the live streams) runs the whole middleware
chain and the view on its thread in one go: Django's async chain would run each synchronous hook of each
middleware (process_request, process_response …) through sync_to_async, some twenty thread hops per
request, which cost more CPU than the view itself (docs/decisions.md, "One thread hop per request").
Async views (live/, Server-Sent Events) keep the async chain, so an open stream holds no thread, and so
do static files (servestatic is async).
"""

from asgiref.sync import ThreadSensitiveContext, iscoroutinefunction
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.core.signals import request_started
from django.db import close_old_connections, reset_queries
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import Resolver404, get_resolver

from civic311.lib import versioned
from civic311.server.limits import Refused, RequestGuard
from civic311.server.threads import REQUEST_THREADS, RequestThread, Slots

_STATIC_PREFIX = "/" + settings.STATIC_URL.lstrip("/")


class Civic311ASGIHandler(ASGIHandler):
    """Django's handler, which on a client's disconnect cancels the request and sends request_finished
    at once, while the request's synchronous code may still be running (or not yet started) on its
    thread and goes on to take a connection that nothing then gives back. Here the end of every request
    queues the closing of its connections on its own thread, behind that code."""

    threads = REQUEST_THREADS
    slots = Slots(settings.CIVIC311_REQUEST_SLOTS)

    def __init__(self) -> None:
        super().__init__()
        self._sync = BaseHandler()
        self._sync.load_middleware(is_async=False)
        if not settings.DEBUG:
            # Nothing to do as a request starts: its thread holds no connection (each request's are closed
            # as it ends, threads.py) and queries are only logged under DEBUG. With no receivers left,
            # request_started costs no thread hop.
            request_started.disconnect(close_old_connections)
            request_started.disconnect(reset_queries)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        if _takes_async_chain(request):
            return await super().get_response_async(request)
        return await self.slots.run(self._sync.get_response, request)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        thread = RequestThread(self.threads)
        try:
            with versioned.one_version():  # the reference data's version read once per request
                async with ThreadSensitiveContext(executor=thread):
                    guard = RequestGuard(scope, receive)
                    try:
                        await guard.check()
                        await self.handle(scope, guard.receive, send)
                    except Refused as refused:  # before any of the response was sent: see limits.py
                        await refused.answer(scope, send)
        finally:
            thread.end()


def _takes_async_chain(request: HttpRequest) -> bool:
    """Static files (servestatic is async: server/static.py) and async views (live streams)."""
    if request.path_info.startswith(_STATIC_PREFIX):
        return True
    try:
        match = get_resolver().resolve(request.path_info)
    except Resolver404:
        return False
    return iscoroutinefunction(match.func)
