"""The notification tasks (Django's Tasks API): dispatch an event to the channels, send one delivery,
the periodic sweep. Each takes ids, never objects: the worker reads the current row."""

import logging

from django.tasks import task

log = logging.getLogger(__name__)


@task()
def dispatch_event(event_id: int) -> int:
    """For each registered channel, its recipients of this event -> one Delivery each (idempotent on key,
    so a dispatch run twice creates nothing new). Returns how many deliveries the event has."""
    from civic311.notify import deliveries, registry
    from civic311.notify.models import EventDispatch
    from civic311.servicerequests.models import Event

    event = Event.objects.select_related("request").filter(pk=event_id).first()
    if event is None:
        return 0
    count = 0
    for channel in registry.channels():
        try:
            recipients = channel.recipients(event)
        except Exception:  # one broken channel must not keep the others' messages back
            log.exception("Channel %s could not list recipients of event %s", channel.name, event_id)
            continue
        for recipient in recipients:
            deliveries.enqueue(recipient, event=event)
            count += 1
    EventDispatch.objects.get_or_create(event=event)
    return count


@task()
def send_delivery(delivery_id: int) -> str:
    from civic311.notify import deliveries

    return deliveries.send(delivery_id)


@task()
def sweep_deliveries() -> int:
    from civic311.notify import deliveries

    return deliveries.sweep()


@task()
def run_periodic(name: str) -> None:
    """Run the periodic job `name` (enqueued by the scheduler when due)."""
    from civic311.notify import schedule

    schedule.run(name)


def run_queued() -> None:
    """Run, in this process, every task of the database queue that is ready, until none is (a task may
    enqueue more: they run too; retries waiting for their time do not). For tests and scripts; the
    worker is `civic311 worker`."""
    from django_tasks_db.management.commands.db_worker import Worker

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
