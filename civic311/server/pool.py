"""The state of the process's database connection pool (PostgreSQL), and what an exhausted pool raises."""

import logging
import threading
import time

from django.db import connections
from psycopg_pool import PoolTimeout, TooManyRequests

log = logging.getLogger(__name__)

# At most one warning per this many seconds per process, however many requests are refused.
WARN_EVERY = 10.0


def pool_status(alias: str = "default") -> dict | None:
    """{max, open, in_use, idle, waiting, refused} of the pool of connections `alias`, or None when the
    database has no pool (SQLite). Reads counters only: it answers while every connection is taken."""
    pool = getattr(connections[alias], "pool", None)
    if pool is None:
        return None
    stats = pool.get_stats()
    opened = not pool.closed
    size = stats.get("pool_size", 0) if opened else 0
    idle = stats.get("pool_available", 0)
    return {
        "max": stats.get("pool_max", 0),
        "open": size,
        "in_use": max(size - idle, 0),
        "idle": idle,
        "waiting": stats.get("requests_waiting", 0),
        # since the process started: requests that got no connection (timed out, or the queue was full)
        "refused": stats.get("requests_errors", 0),
    }


def is_pool_exhausted(exc: BaseException | None) -> bool:
    """Whether `exc` (Django wraps the pool's error in its OperationalError) says no connection was
    free in time, or too many requests were already waiting for one."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, PoolTimeout | TooManyRequests):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


class _Warner:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = float("-inf")
        self._since = 0

    def refused(self, path: str) -> None:
        """Log that a request found the pool exhausted, with the pool's state, once per WARN_EVERY s."""
        with self._lock:
            self._since += 1
            now = time.monotonic()
            if now - self._last < WARN_EVERY:
                return
            count, self._since, self._last = self._since, 0, now
        log.warning(
            "database pool exhausted: %d request(s) answered 503 (the last %s); pool %s; "
            "raise DB_POOL_SIZE if this persists under normal load",
            count,
            path,
            pool_status(),
        )


REFUSALS = _Warner()
warn_refused = REFUSALS.refused


class DropPoolExhausted(logging.Filter):
    """For the django.request logger: a request refused for want of a connection is logged once per
    WARN_EVERY seconds by warn_refused, with the pool's state, not once per request with a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and is_pool_exhausted(record.exc_info[1]))
