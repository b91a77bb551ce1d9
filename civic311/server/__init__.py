"""How the platform is served over ASGI: the request handler, which owns each request's thread and gives
its database connections back however the request ends; the connection pool's state; the status page."""
