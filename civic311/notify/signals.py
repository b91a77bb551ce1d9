"""Connects the notification pipeline to the domain's events (servicerequests.signals.event_recorded) and
registers the periodic jobs of the worker and the webhook channel."""

import logging

from civic311.lib.env import envint
from civic311.notify import schedule
from civic311.servicerequests.signals import event_recorded

log = logging.getLogger(__name__)


def on_event_recorded(sender, event, **kwargs) -> None:
    """event_recorded is sent after the event's transaction committed: enqueue its dispatch now (with the
    database queue, one INSERT). Signal.send does not catch, and this runs in the request that recorded
    the event: a queue that is down must not fail it (the event stands; the sweep dispatches it later)."""
    from civic311.notify.tasks import dispatch_event

    try:
        dispatch_event.enqueue(event.pk)
    except Exception:
        log.exception("Could not enqueue the dispatch of event %s; the sweep will", event.pk)


def check_sla() -> int:
    from civic311.routing.overdue import check_overdue

    return check_overdue()


def prune_task_results() -> None:
    """The database queue keeps each finished task's row: drop those older than 2 days (7 if failed).
    The delivery log, not the queue, is the record of what was sent."""
    from django.conf import settings
    from django.core.management import call_command

    if settings.TASKS_BACKEND == "db":
        call_command("prune_db_task_results", min_age_days=2, failed_min_age_days=7, verbosity=0)


def _connect() -> None:
    from civic311.notify import tasks

    event_recorded.connect(on_event_recorded, dispatch_uid="notify.dispatch_event")
    schedule.every("notify.sweep", envint("NOTIFY_SWEEP_SECONDS", 60), tasks.sweep_deliveries)
    schedule.every("routing.check_sla", 300, check_sla)
    schedule.every("notify.prune_task_results", 24 * 3600, prune_task_results)
    import civic311.notify.webhook  # noqa: F401  (registers the "webhook" channel)


_connect()
