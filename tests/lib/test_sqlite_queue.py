"""lib/sqlite: SQLite transactions queue on a lock file, so a waiting writer goes on as soon as the one
before it commits (SQLite's busy handler would sleep up to 100 ms between tries), and gives up with
"database is locked" after the connection's timeout."""

import threading
import time

import pytest
from django.db import OperationalError, connection, connections, transaction

pytestmark = pytest.mark.skipif("connection.vendor != 'sqlite'")


def hold_a_transaction(entered: threading.Event, release: threading.Event, released_at: list) -> None:
    try:
        with transaction.atomic():
            entered.set()
            release.wait(10)
            released_at.append(time.monotonic())
    finally:
        connections.close_all()


def test_a_waiting_writer_begins_within_milliseconds_of_the_commit_before_it(transactional_db):
    entered, release, released_at = threading.Event(), threading.Event(), []
    holder = threading.Thread(target=hold_a_transaction, args=(entered, release, released_at))
    holder.start()
    assert entered.wait(10)
    threading.Timer(0.3, release.set).start()
    with transaction.atomic():  # waits in the queue for the holder's commit
        began = time.monotonic()
    holder.join(10)
    waited_after_release = began - released_at[0]
    assert 0 <= waited_after_release < 0.05, waited_after_release


def test_a_writer_gives_up_after_the_timeout_with_database_is_locked(transactional_db, monkeypatch):
    entered, release, released_at = threading.Event(), threading.Event(), []
    holder = threading.Thread(target=hold_a_transaction, args=(entered, release, released_at))
    holder.start()
    try:
        assert entered.wait(10)
        monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", 0.2)
        started = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"), transaction.atomic():
            pass
        assert time.monotonic() - started < 2
    finally:
        release.set()
        holder.join(10)
    with transaction.atomic():  # and the queue works again once the holder is gone
        pass
