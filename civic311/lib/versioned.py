"""Reference data each process keeps in memory and rebuilds when it changes, in any process.

The catalog, the districts and their geometry, the routing rules, SLA targets and calendars change when an
administrator edits them, and are read on every request. A process keeps what it built from them (parsed,
prepared, rendered) in a `Memo`, stamped with the version token it read from the shared cache (Redis, or
the data directory's file cache on one machine) before building. Every save or delete of such a row draws
a new token (`changed`, connected to the models' signals by their apps): at once, so the writing
transaction itself never reads a stale copy, and again when it commits, so a copy another process rebuilt
from the uncommitted state is thrown away too. A request reads the token once (`one_version`, around
each request in server/handler.py); code outside a request reads it at every use.

The token is a random string, not a counter: if the shared cache loses it (a restart, an eviction), the
next reader draws a new one and every process rebuilds; none can mistake an old copy for a current one.
"""

import threading
import uuid
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache
from django.db import transaction

KEY = "reference-version"

_memos: list["Memo"] = []
# The token a request read first, shared by every thread the request's code runs on (a mutable dict, as
# asgiref copies the context into each thread).
_held: ContextVar[dict | None] = ContextVar("reference_version", default=None)


@contextmanager
def one_version() -> Iterator[None]:
    """Read the token once for everything inside (a request): its reads see one version throughout."""
    reset = _held.set({})
    try:
        yield
    finally:
        _held.reset(reset)


def token() -> str:
    """The current version of the reference data."""
    held = _held.get()
    if held is not None and "token" in held:
        return held["token"]
    current = cache.get(KEY)
    if current is None:
        cache.add(KEY, uuid.uuid4().hex, timeout=None)
        current = cache.get(KEY) or ""
    if held is not None:
        held["token"] = current
    return current


def _draw() -> None:
    cache.set(KEY, uuid.uuid4().hex, timeout=None)


def changed(**_signal: Any) -> None:
    """Reference data changed (a signal receiver: post_save, post_delete, m2m_changed). Call it too after a
    bulk write (update(), bulk_create()), which sends no signals."""
    held = _held.get()
    if held is not None:
        held.pop("token", None)  # the request that changed it reads its own change
    _draw()
    transaction.on_commit(_draw)


class Memo[K: Hashable, V]:
    """Values built by `build(key)`, kept until the reference data's version changes."""

    def __init__(self, build: Callable[[K], V]) -> None:
        self._build = build
        self._entries: dict[K, tuple[str, V]] = {}
        self._lock = threading.Lock()
        _memos.append(self)

    def get(self, key: K) -> V:
        current = token()  # read before building: a change after this read draws a token we do not hold
        entry = self._entries.get(key)
        if entry is not None and entry[0] == current:
            return entry[1]
        value = self._build(key)
        with self._lock:
            self._entries[key] = (current, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def clear_all() -> None:
    """Forget every process-local copy (tests: each starts with the database rolled back)."""
    for memo in _memos:
        memo.clear()


def follow(*models: str) -> None:
    """Draw a new version whenever a row of these models ("app_label.Model") is saved or deleted, or a
    many-to-many relation of theirs changes (called by each app's ready() for its reference tables)."""
    from django.apps import apps
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for label in models:
        model = apps.get_model(label)
        post_save.connect(changed, sender=model, dispatch_uid=f"versioned-save-{label}")
        post_delete.connect(changed, sender=model, dispatch_uid=f"versioned-delete-{label}")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                changed, sender=field.remote_field.through, dispatch_uid=f"versioned-m2m-{label}-{field.name}"
            )
