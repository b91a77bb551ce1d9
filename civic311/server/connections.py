"""Giving database connections back, on the thread that holds them (Django's connections are per thread)."""

import logging

from django.db import connections

log = logging.getLogger(__name__)


def give_back_pooled() -> None:
    """Return this thread's pooled connections (PostgreSQL) that are not inside a transaction.

    Run after each synchronous call of a request, so a connection is held only while code runs: an async
    view that awaits between queries (a live stream open for minutes) holds none while it waits.
    Connections of other kinds (SQLite: one private file handle per thread) stay until the request ends.
    """
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and getattr(conn, "pool", None) and not conn.in_atomic_block:
            _close(conn)


def close_all() -> None:
    """The end of a request: return every pooled connection of this thread and close every other one,
    except a persistent one (CONN_MAX_AGE None: SQLite's) that is still usable, which the thread keeps for
    its next request."""
    for conn in connections.all(initialized_only=True):
        if getattr(conn, "pool", None) or conn.settings_dict["CONN_MAX_AGE"] is not None:
            _close(conn)
            continue
        try:
            if conn.in_atomic_block:  # never carry a transaction into another request
                conn.close()
            else:
                conn.close_if_unusable_or_obsolete()
        except Exception:
            log.exception("checking the %s database connection failed", conn.alias)


def _close(conn) -> None:
    try:
        conn.close()
    except Exception:  # a broken connection must not stop the others from being given back
        log.exception("closing the %s database connection failed", conn.alias)
