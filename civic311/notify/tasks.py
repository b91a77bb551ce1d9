"""The notification tasks, by the import path the worker and queued tasks know them by. They live with
what they run: dispatch_event(s), send_delivery and sweep_deliveries in deliveries.py, run_periodic in
schedule.py. run_queued runs the database queue in this process (tests, scripts)."""

from django_tasks_db.management.commands.db_worker import Worker

from civic311.notify.deliveries import dispatch_event, dispatch_events, send_delivery, sweep_deliveries
from civic311.notify.schedule import run_periodic

__all__ = [
    "dispatch_event",
    "dispatch_events",
    "run_periodic",
    "run_queued",
    "send_delivery",
    "sweep_deliveries",
]


def run_queued() -> None:
    """Run, in this process, every task of the database queue that is ready, until none is (a task may
    enqueue more: they run too; retries waiting for their time do not). For tests and scripts; the
    worker is `civic311 worker`."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="in-process",
        excluded_queue_names=[],
    ).run()
