"""The ASGI application: Django's ASGI handler, with each request's synchronous code on a thread of ours
(threads.py) whose connections are closed when the request ends, however it ends, and its body guarded
as it arrives (limits.py)."""

from asgiref.sync import ThreadSensitiveContext
from django.core.handlers.asgi import ASGIHandler

from civic311.lib import versioned
from civic311.server.limits import Refused, RequestGuard
from civic311.server.threads import REQUEST_THREADS, RequestThread


class Civic311ASGIHandler(ASGIHandler):
    """Django's handler, which on a client's disconnect cancels the request and sends request_finished
    at once, while the request's synchronous code may still be running (or not yet started) on its
    thread and goes on to take a connection that nothing then gives back. Here the end of every request
    queues the closing of its connections on its own thread, behind that code."""

    threads = REQUEST_THREADS

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
