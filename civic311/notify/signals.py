"""What notify does on its own schedule and on the domain's events: the event dispatcher (connected to
servicerequests.signals.event_recorded) and the periodic jobs' functions. apps.NotifyConfig.ready()
connects and registers them."""

import logging

from django.conf import settings
from django.core.management import call_command

from civic311.notify.deliveries import dispatch_events
from civic311.routing.overdue import check_overdue

log = logging.getLogger(__name__)


def on_events_recorded(sender, events, **kwargs) -> None:
    """events_recorded is sent after the events' transaction committed: enqueue their dispatch now, one
    task for all of them (with the database queue, one INSERT). Signal.send does not catch, and this runs
    in the request that recorded them: a queue that is down must not fail it (the events stand; the sweep
    dispatches them later)."""
    ids = [event.pk for event in events]
    try:
        dispatch_events.enqueue(ids)
    except Exception:
        log.exception("Could not enqueue the dispatch of events %s; the sweep will", ids)


def check_sla() -> int:
    return check_overdue()


def prune_task_results() -> None:
    """The database queue keeps each finished task's row: drop those older than 2 days (7 if failed).
    The delivery log, not the queue, is the record of what was sent."""
    if settings.TASKS_BACKEND == "db":
        call_command("prune_db_task_results", min_age_days=2, failed_min_age_days=7, verbosity=0)
