"""What notify does on its own schedule and on the domain's events: the event dispatcher (connected to
servicerequests.signals.event_recorded) and the periodic jobs' functions. apps.NotifyConfig.ready()
connects and registers them."""

import logging

from django.conf import settings
from django.core.management import call_command

from civic311.notify.deliveries import dispatch_event
from civic311.routing.overdue import check_overdue

log = logging.getLogger(__name__)


def on_event_recorded(sender, event, **kwargs) -> None:
    """event_recorded is sent after the event's transaction committed: enqueue its dispatch now (with the
    database queue, one INSERT). Signal.send does not catch, and this runs in the request that recorded
    the event: a queue that is down must not fail it (the event stands; the sweep dispatches it later)."""
    try:
        dispatch_event.enqueue(event.pk)
    except Exception:
        log.exception("Could not enqueue the dispatch of event %s; the sweep will", event.pk)


def check_sla() -> int:
    return check_overdue()


def prune_task_results() -> None:
    """The database queue keeps each finished task's row: drop those older than 2 days (7 if failed).
    The delivery log, not the queue, is the record of what was sent."""
    if settings.TASKS_BACKEND == "db":
        call_command("prune_db_task_results", min_age_days=2, failed_min_age_days=7, verbosity=0)
