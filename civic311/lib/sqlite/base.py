"""Django's SQLite backend, with transactions queued on a lock file before they take SQLite's write lock.

Every transaction begins IMMEDIATE (settings: it takes the write lock at BEGIN, so no writer fails when it
would upgrade a read lock). A writer that finds the lock taken is left by SQLite to its busy handler,
which sleeps 1, 2, 5 … then 100 ms between tries: under a few concurrent writers from several server
processes a POST waited seconds for a lock that was free most of that time. Here a transaction first
takes an exclusive flock() on `<database>-writer.lock`, tried every millisecond (fcntl has no timeout),
and gives it up when it commits or rolls back; SQLite's own lock is then free at BEGIN but for writers
that bypass the queue (a single statement in autocommit, another program), which still wait on SQLite's
busy timeout as before. The lock is per open file, so the threads and processes of a server queue alike.
"""

import fcntl
import os
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base

from civic311.lib.percentiles import PercentileAggregate

POLL_SECONDS = 0.001


class DatabaseWrapper(base.DatabaseWrapper):
    _queue_fd: int | None = None
    _queued = False

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        # The figures' percentiles (analytics/sql.py), which PostgreSQL has built in.
        connection.create_aggregate("percentile_cont", 2, PercentileAggregate)
        return connection

    def _queue_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        return None if self.is_in_memory_db() else f"{name}-writer.lock"

    def _take_queue(self) -> None:
        path = self._queue_path()
        if path is None:
            return
        if self._queue_fd is None:
            self._queue_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + float(self.settings_dict["OPTIONS"].get("timeout", 5))
        while True:
            try:
                fcntl.flock(self._queue_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._queued = True
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OperationalError("database is locked (waited for the writers' queue)") from None
                time.sleep(POLL_SECONDS)

    def _leave_queue(self) -> None:
        if self._queued and self._queue_fd is not None:
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)
        self._queued = False

    def _start_transaction_under_autocommit(self) -> None:
        self._take_queue()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # (private, not in the stubs)
        except BaseException:
            self._leave_queue()
            raise

    def _commit(self):
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            self._leave_queue()

    def _rollback(self):
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._leave_queue()

    def _close(self):
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            self._leave_queue()
            if self._queue_fd is not None:
                os.close(self._queue_fd)
                self._queue_fd = None
