"""Static files (servestatic), in a middleware that also fits the synchronous chain.

servestatic's middleware is async-only; in the synchronous chain each request takes (server/handler.py)
Django would wrap it, and every middleware below it, in thread hops. Requests for static files take the
async chain (handler.py sends every path under STATIC_URL there), where this serves them through
servestatic; in the synchronous chain it only passes the request on.
"""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from servestatic.middleware import ServeStaticMiddleware


class StaticFilesMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)
            self.serve = ServeStaticMiddleware(get_response)

    def __call__(self, request):
        if self.is_async:
            return self.serve(request)
        return self.get_response(request)
