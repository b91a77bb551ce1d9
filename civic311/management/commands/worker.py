"""civic311 worker [--burst]: run the background tasks (notifications, webhooks) and the periodic jobs
(the SLA check, the delivery sweep) until stopped. Any number may run, on any number of machines (with
PostgreSQL or TASKS_BACKEND=rq): a task runs on one of them, a periodic job once per round."""

import logging
import os
import threading
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

log = logging.getLogger("civic311.worker")


class Command(BaseCommand):
    help = "Run background tasks and periodic jobs (TASKS_BACKEND db or rq) until stopped."
    # A worker sends what is queued whatever the state of, say, the admin's configuration.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between looks at the queue (db)"
        )
        parser.add_argument(
            "--tick-seconds", type=float, default=5.0, help="Seconds between looks for due periodic jobs"
        )
        parser.add_argument("--burst", action="store_true", help="Stop when the queue is empty")
        parser.add_argument("--no-schedule", action="store_true", help="Run no periodic jobs here")
        parser.add_argument("--worker-id", default="", help="A name in the logs (default: host:pid)")

    def handle(self, *args, interval, tick_seconds, burst, no_schedule, worker_id, **options):
        logging.basicConfig(level=logging.INFO if options["verbosity"] >= 1 else logging.WARNING)
        worker_id = worker_id or f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        backend = settings.TASKS_BACKEND
        if not no_schedule:
            tick()  # due periodic jobs go in the queue before the first look at it (and with --burst)
            if not burst:
                threading.Thread(target=_scheduler, args=(tick_seconds,), daemon=True).start()
        close_old_connections()
        self.stdout.write(f"Worker {worker_id} on the {backend} queue")
        if backend == "db":
            from django_tasks_db.management.commands.db_worker import Worker

            worker = Worker(
                queue_names=["default"],
                interval=interval,
                batch=burst,
                backend_name="default",
                startup_delay=not burst,
                max_tasks=None,
                worker_id=worker_id[:64],
                excluded_queue_names=[],
            )
            worker.configure_signals()
            worker.run()
        elif backend == "rq":
            from django_rq import get_worker
            from django_rq.utils import reset_db_connections

            rq_worker = get_worker("default", job_class="django_tasks_rq.backend.Job", name=worker_id)
            reset_db_connections()
            # with_scheduler: jobs enqueued with run_after (retries with backoff) are moved to the queue
            # when due, by one of the workers.
            rq_worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
        else:
            raise CommandError(f"TASKS_BACKEND={backend} runs tasks in the caller: there is no queue to work")


def tick() -> None:
    from civic311.notify import schedule

    try:
        started = schedule.tick()
        if started:
            log.info("Periodic jobs enqueued: %s", ", ".join(started))
    except Exception:  # a failed round is logged and tried again next tick
        log.exception("Periodic jobs: tick failed")
    finally:
        close_old_connections()


def _scheduler(every: float) -> None:
    stop = threading.Event()
    while not stop.wait(every):
        tick()
