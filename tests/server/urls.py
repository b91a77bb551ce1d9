"""Views for the server tests (tests/server/test_handler.py): one that waits while it holds a connection,
an async one that waits between queries, and the two kinds of failure."""

import asyncio
import threading

from asgiref.sync import sync_to_async
from django.db import OperationalError, connection, connections
from django.http import HttpResponse
from django.urls import path, re_path
from psycopg_pool import PoolTimeout


class Gate:
    """Where a view waits until the test lets it go on, noting the connection object of its thread."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.connections: list = []


GATE = Gate()


def _query() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    GATE.connections.append(connections["default"])


def slow(request):
    _query()
    GATE.entered.set()
    GATE.release.wait(20)
    _query()
    return HttpResponse("done")


async def waits_between_queries(request):
    await sync_to_async(_query)()
    GATE.entered.set()
    await asyncio.to_thread(GATE.release.wait, 20)
    await sync_to_async(_query)()
    return HttpResponse("done")


def pool_exhausted(request, fmt: str = ""):
    try:
        raise PoolTimeout("couldn't get a connection after 5.00 sec")
    except PoolTimeout as exc:
        raise OperationalError("couldn't get a connection after 5.00 sec") from exc


def broken(request):
    raise RuntimeError("a bug, not a busy pool")


urlpatterns = [
    path("slow/", slow),
    path("waits/", waits_between_queries),
    re_path(r"^open311/v2/busy\.(?P<fmt>json|xml)$", pool_exhausted),
    path("busy/", pool_exhausted),
    path("broken/", broken),
]
handler500 = "civic311.server.errors.handler500"
