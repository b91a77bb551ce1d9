"""The threads requests run their synchronous code on.

Django runs a request's synchronous code (sync middleware hooks, sync views, template rendering, signal
receivers) on one thread per request, because database connections belong to a thread. We lend each
request a thread of ours, through asgiref's ThreadSensitiveContext(executor=…), instead of letting asgiref
start one per request, for two reasons:

- When the request ends, however it ends (answered, failed, or cancelled because the client hung up), we
  queue one last call on its thread that closes its connections. The thread runs calls one at a time, in
  order, so that call runs after everything the request started there, including a view that was still
  running when the client left (a thread cannot be interrupted). That is what returns every pooled
  connection; see docs/decisions.md, "A client that hangs up keeps no connection".
- Threads are reused: starting one per request cost measurable CPU under load.
"""

import asyncio
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async

from civic311.server import connections

# Idle threads kept for the next requests; more than this many idle at once are stopped.
MAX_IDLE_THREADS = 64


class RequestThreads:
    """A process's threads for requests: each lent to one request at a time, then reused."""

    def __init__(self, max_idle: int = MAX_IDLE_THREADS) -> None:
        self._idle: list[ThreadPoolExecutor] = []
        self._lock = threading.Lock()
        self._max_idle = max_idle
        self._names = itertools.count(1)
        self.lent = 0  # threads lent to requests (running their code, or still finishing it)
        self.finishing = 0  # of those, threads whose request has ended but whose work goes on

    def take(self) -> ThreadPoolExecutor:
        with self._lock:
            self.lent += 1
            if self._idle:
                return self._idle.pop()
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"request-{next(self._names)}")

    def ending(self) -> None:
        with self._lock:
            self.finishing += 1

    def give_back(self, worker: ThreadPoolExecutor) -> None:
        with self._lock:
            self.lent -= 1
            self.finishing -= 1
            if len(self._idle) < self._max_idle:
                self._idle.append(worker)
                return
        worker.shutdown(wait=False)

    def status(self) -> dict[str, int]:
        with self._lock:
            return {"busy": self.lent, "finishing": self.finishing, "idle": len(self._idle)}


# The process's threads for requests (one handler serves a process; the status page reads these).
REQUEST_THREADS = RequestThreads()


def _call_then_give_back(fn: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    try:
        return fn(*args, **kwargs)
    finally:
        connections.give_back_pooled()


class RequestThread(Executor):
    """One request's executor: every call runs on one thread, one at a time, in the order submitted.

    The thread is taken from `threads` at the first call (a request that runs no synchronous code takes
    none) and handed back by end(), once its last call has closed the request's connections."""

    def __init__(self, threads: RequestThreads) -> None:
        self._threads = threads
        self._worker: ThreadPoolExecutor | None = None
        self._ended = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        if self._ended:
            raise RuntimeError("the request has ended: nothing more runs on its thread")
        if self._worker is None:
            self._worker = self._threads.take()
        return self._worker.submit(_call_then_give_back, fn, args, kwargs)

    def end(self) -> None:
        """After the request, however it ended: close its connections on its thread, after every call
        already queued there, then give the thread back. Returns at once (never awaits: it also runs in a
        cancelled task)."""
        self._ended = True
        worker, self._worker = self._worker, None
        if worker is None:
            return
        self._threads.ending()
        closing = worker.submit(connections.close_all)
        closing.add_done_callback(lambda _: self._threads.give_back(worker))


class Slots:
    """At most `size` requests of a process run their synchronous code at once; the others wait their turn
    on the event loop. A client that hangs up while its request waits takes it out of the queue before
    anything ran; one that hangs up while its view runs keeps the slot until the view ends (a thread cannot
    be interrupted), so a storm of abandoned slow reads costs at most `size` of them at a time and never
    starves the requests behind it of the GIL. More threads than cores add no speed to Python's work,
    only to waits on the database.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._semaphores: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if loop not in self._semaphores:
            self._semaphores[loop] = asyncio.Semaphore(self.size)
        return self._semaphores[loop]

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """fn(*args) on the request's thread (thread-sensitive), once a slot is free. If the request is
        cancelled before fn started, fn never runs."""
        semaphore = self._semaphore()
        await semaphore.acquire()
        loop = asyncio.get_running_loop()
        turn = _Turn(lambda: loop.call_soon_threadsafe(semaphore.release))

        def call() -> Any:
            if not turn.start():
                return None  # the request left before its code began: nothing to run
            try:
                return fn(*args)
            finally:  # when the code ends, even if the request was cancelled meanwhile
                turn.end()

        try:
            return await sync_to_async(call, thread_sensitive=True)()
        except BaseException:
            turn.abandon()
            raise


class _Turn:
    """One request's slot: released exactly once, by the code's end or, if it never began, by its
    abandonment."""

    def __init__(self, release: Callable[[], Any]) -> None:
        self._release = release
        self._lock = threading.Lock()
        self._state = "waiting"  # -> running -> done, or -> abandoned

    def start(self) -> bool:
        with self._lock:
            if self._state != "waiting":
                return False
            self._state = "running"
            return True

    def end(self) -> None:
        with self._lock:
            self._state = "done"
        self._release()

    def abandon(self) -> None:
        with self._lock:
            if self._state != "waiting":
                return  # running (end() releases) or done
            self._state = "abandoned"
        self._release()
