"""civic311 serve [--host --port --workers]: run the platform under an ASGI server (uvicorn), with a
task worker (`civic311 worker`: notifications, webhooks, the periodic jobs such as the SLA check) as a
child process it restarts if it dies and stops on shutdown. --no-worker when workers run on their own."""

import contextlib
import logging
import signal
import subprocess
import sys
import threading
import time

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Serve the platform over HTTP (ASGI, uvicorn) until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers", type=int, default=1, help="Server processes (PostgreSQL for more than 1)"
        )
        parser.add_argument("--log-level", default="info")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Start no task worker (run `civic311 worker` on its own, here or elsewhere)",
        )
        parser.add_argument(
            "--sla-check-seconds",
            type=int,
            default=0,
            help="Retired: the SLA check is a periodic job of the worker (every 5 minutes). With "
            "--no-worker and no worker anywhere, N > 0 checks every N seconds in this process.",
        )

    def handle(self, *args, host, port, workers, log_level, no_worker, sla_check_seconds, **options):
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database needs upgrading first: run `civic311 init`")
        connection.close()
        supervisor = None
        if not no_worker and settings.TASKS_BACKEND in ("db", "rq"):
            supervisor = WorkerSupervisor()
            supervisor.start()
        elif settings.TASKS_BACKEND == "immediate":
            # no queue: the periodic jobs run here, each task at once when enqueued
            threading.Thread(target=_ticks, daemon=True).start()
        if sla_check_seconds > 0 and no_worker:
            threading.Thread(target=_periodic_sla_check, args=(sla_check_seconds,), daemon=True).start()
        self.stdout.write(f"Civic311 at http://{host}:{port}/  (Open311 at /open311/v2/, admin at /admin/)")
        try:
            uvicorn.run(
                "civic311.asgi:application",
                host=host,
                port=port,
                workers=workers,
                log_level=log_level,
                # The client's address from X-Forwarded-For only when a trusted proxy sent it.
                proxy_headers=bool(settings.TRUSTED_PROXIES),
                forwarded_allow_ips=",".join(settings.TRUSTED_PROXIES) or None,
                # Request line and headers within CIVIC311_HEADER_TIMEOUT_SECONDS (server/protocol.py).
                http="civic311.server.protocol:TimedHttpToolsProtocol",
                # Beyond this many connections at once, 503 at once rather than queueing without end.
                limit_concurrency=settings.CIVIC311_MAX_CONNECTIONS,
                timeout_keep_alive=5,
                # Live streams (SSE) stay open; on shutdown give them 5 s, then close: clients reconnect.
                timeout_graceful_shutdown=5,
                lifespan="off",
            )
        finally:
            if supervisor is not None:
                supervisor.stop()


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, SIGTERM when the parent dies (even by SIGKILL)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class WorkerSupervisor:
    """Runs `civic311 worker` as a child process; starts it again (after a pause that grows while it
    keeps dying) if it exits; stops it (SIGTERM, then SIGKILL after 10 s) on shutdown."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    def start(self) -> None:
        self._spawn()
        threading.Thread(target=self._watch, daemon=True).start()

    def _spawn(self) -> None:
        with self.lock:
            if self.stopping.is_set():
                return
            self.process = subprocess.Popen(
                [sys.executable, "-m", "civic311.cli", "worker"],
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )

    def _watch(self) -> None:
        pause = 1.0
        while not self.stopping.is_set():
            process = self.process
            if process is not None and process.poll() is not None and not self.stopping.is_set():
                log.error(
                    "The task worker exited (%s); starting it again in %.0f s", process.returncode, pause
                )
                if self.stopping.wait(pause):
                    return
                started = time.monotonic()
                self._spawn()
                # a worker that ran for a minute was healthy: the next restart is quick again
                pause = 1.0 if time.monotonic() - started > 60 else min(pause * 2, 60.0)
            self.stopping.wait(0.5)

    def stop(self) -> None:
        self.stopping.set()
        with self.lock:
            process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _ticks(every: float = 5.0) -> None:
    from civic311.management.commands.worker import tick

    stop = threading.Event()
    while not stop.wait(every):
        tick()


def _periodic_sla_check(every: float) -> None:
    from django.db import close_old_connections

    from civic311.routing.overdue import check_overdue

    stop = threading.Event()
    while not stop.wait(every):
        try:
            check_overdue()
        except Exception:  # a failed round is logged and retried next time; it must not stop the loop
            logging.getLogger(__name__).exception("SLA check failed")
        finally:
            close_old_connections()
