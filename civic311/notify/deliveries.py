"""The delivery log's life cycle: create (idempotent on key), claim, send, retry with backoff, sweep.

The Delivery table, not the task queue, is the record of what must be sent: the queue only wakes a worker.
So a task lost by the queue (a worker killed, Redis restarted) is found again by `sweep()`, which runs
every minute from the worker; and a task run twice (a sweep and a late original) finds the row already
claimed or sent and does nothing.

At most one resend: a worker killed after the provider accepted a message and before we marked it
"sent" leaves the row in "sending"; the sweep takes it back after SENDING_TIMEOUT and it is sent once
more. Channels pass `delivery.key` to providers that de-duplicate on it (webhooks carry it in
`X-Civic311-Delivery` so receivers can drop the repeat).
"""

import hashlib
import logging
import uuid
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.tasks import task
from django.utils import timezone

from civic311.lib.env import envint
from civic311.notify import registry
from civic311.notify.models import Delivery, DeliveryStatus, EventDispatch
from civic311.notify.registry import PermanentFailure, Recipient
from civic311.servicerequests.models import Event

log = logging.getLogger(__name__)

# Attempts before a delivery is failed; the wait before attempt n+1 is BACKOFF_BASE * 4**(n-1):
# 1, 4, 16, 64, 256 minutes.
# (The environment can shorten the waits: the tests of the worker processes do.)
MAX_ATTEMPTS = envint("NOTIFY_MAX_ATTEMPTS", 6)
BACKOFF_BASE = timedelta(seconds=envint("NOTIFY_RETRY_SECONDS", 60))
# A delivery "sending" for longer than this was taken by a worker that died: it is taken again.
SENDING_TIMEOUT = timedelta(seconds=envint("NOTIFY_SENDING_TIMEOUT_SECONDS", 600))
# A pending delivery whose wake-up task should have run this long ago is enqueued again by the sweep; so is
# the dispatch of an event recorded this long ago (and less than EVENTS_LOOKBACK ago) that has none.
LOST_AFTER = timedelta(seconds=envint("NOTIFY_LOST_AFTER_SECONDS", 120))
EVENTS_LOOKBACK = timedelta(hours=6)
TAKEN_BACK = "Taken back: its worker stopped"
KEY_MAX = 255
ERROR_MAX = 2000


def make_key(recipient: Recipient, event_id: int | None) -> str:
    key = f"{event_id}:{recipient.channel}:{recipient.address}:{recipient.kind}"
    if len(key) > KEY_MAX:
        digest = hashlib.sha256(key.encode()).hexdigest()
        key = f"{event_id}:{recipient.channel}:{recipient.kind}:sha256:{digest}"
    return key


def enqueue(recipient: Recipient, event=None, key: str | None = None) -> Delivery:
    """The Delivery of `recipient` (created once per key), its send task enqueued after commit.

    Without an event or a key the delivery is unique (a one-off message, e.g. a sign-in alert)."""
    if key is None:
        key = make_key(recipient, event.pk) if event is not None else f"once:{uuid.uuid4().hex}"
    delivery, created = Delivery.objects.get_or_create(
        key=key[:KEY_MAX],
        defaults={
            "event": event,
            "channel": recipient.channel,
            "address": recipient.address,
            "kind": recipient.kind,
            "language": recipient.language,
            "payload": recipient.payload,
        },
    )
    if created:
        pk = delivery.pk
        transaction.on_commit(lambda: wake(pk))
    return delivery


def wake(delivery_id: int, run_after=None) -> None:
    """Enqueue the send task of one delivery (now, or at run_after). A lost wake-up is found by sweep()."""
    task = send_delivery if run_after is None else send_delivery.using(run_after=run_after)
    try:
        task.enqueue(delivery_id)
    except Exception:  # the queue is down: the row is pending, the sweep enqueues it again
        log.exception("Could not enqueue delivery %s; the sweep will", delivery_id)


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 1, 4, 16 … minutes."""
    return BACKOFF_BASE * (4 ** max(attempts - 1, 0))


def claim(delivery_id: int) -> Delivery | None:
    """Take a due pending delivery for this worker (pending -> sending, attempts+1) in one conditional
    UPDATE; None if another worker has it, it is sent, failed, paused or not due yet."""
    now = timezone.now()
    taken = Delivery.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        pk=delivery_id,
        status=DeliveryStatus.PENDING,
    ).update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    if not taken:
        return None
    return Delivery.objects.get(pk=delivery_id)


def _finish(delivery: Delivery, **fields) -> bool:
    """Write the outcome only if the row is still ours (a sweep may have taken it back meanwhile)."""
    return bool(
        Delivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_at=delivery.claimed_at
        ).update(**fields)
    )


def send(delivery_id: int) -> str:
    """Claim and send one delivery; returns what happened (for logs and tests)."""
    delivery = claim(delivery_id)
    if delivery is None:
        return "skipped"
    try:
        channel = registry.get_channel(delivery.channel)
        channel.send(delivery)
    except (PermanentFailure, KeyError) as exc:
        error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, KeyError) else f"No channel {exc}"
        _finish(delivery, status=DeliveryStatus.FAILED, last_error=error[:ERROR_MAX], next_attempt_at=None)
        log.warning("Delivery %s failed for good: %s", delivery.pk, error)
        return "failed"
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
        if delivery.attempts >= MAX_ATTEMPTS:
            _finish(delivery, status=DeliveryStatus.FAILED, last_error=error, next_attempt_at=None)
            log.warning("Delivery %s failed after %s attempts: %s", delivery.pk, delivery.attempts, error)
            return "failed"
        when = timezone.now() + backoff(delivery.attempts)
        if _finish(delivery, status=DeliveryStatus.PENDING, last_error=error, next_attempt_at=when):
            wake(delivery.pk, run_after=when)
        log.info(
            "Delivery %s attempt %s failed, again at %s: %s", delivery.pk, delivery.attempts, when, error
        )
        return "retry"
    _finish(delivery, status=DeliveryStatus.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error="")
    return "sent"


def retry(deliveries) -> int:
    """Send failed or paused deliveries again now (the admin's retry button): a fresh series of attempts."""
    ids = list(
        deliveries.filter(status__in=[DeliveryStatus.FAILED, DeliveryStatus.PAUSED]).values_list(
            "pk", flat=True
        )
    )
    Delivery.objects.filter(pk__in=ids).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=None, claimed_at=None
    )
    transaction.on_commit(lambda: _wake_all(ids))
    return len(ids)


def _wake_all(ids: list[int]) -> None:
    for pk in ids:
        wake(pk)


def sweep(now=None) -> int:
    """Take back deliveries stuck in "sending" (their worker died), wake pending ones whose wake-up was
    lost, dispatch recent events whose dispatch was lost. Returns how many deliveries and events."""
    now = now or timezone.now()
    stuck = list(
        Delivery.objects.filter(
            status=DeliveryStatus.SENDING, claimed_at__lt=now - SENDING_TIMEOUT
        ).values_list("pk", "claimed_at")[:1000]
    )
    ids = [
        pk
        for pk, claimed_at in stuck
        # conditional on the same claim: a worker that finishes meanwhile keeps its outcome
        if Delivery.objects.filter(pk=pk, status=DeliveryStatus.SENDING, claimed_at=claimed_at).update(
            status=DeliveryStatus.PENDING, next_attempt_at=None, last_error=TAKEN_BACK
        )
    ]
    lost = Delivery.objects.filter(status=DeliveryStatus.PENDING).filter(
        Q(next_attempt_at__isnull=True, created_at__lt=now - LOST_AFTER)
        | Q(next_attempt_at__lt=now - LOST_AFTER)
    )
    ids += list(lost.exclude(pk__in=ids).values_list("pk", flat=True)[:1000])
    for pk in ids:
        wake(pk)
    lost_events = list(
        Event.objects.filter(
            created_at__gte=now - EVENTS_LOOKBACK,
            created_at__lt=now - LOST_AFTER,
            notify_dispatch__isnull=True,
            # An import writes history, not news: its events were never announced and must not be
            # now (thousands of old "created" events mailing followers and alerts). Later events of an
            # imported request are announced as they are recorded, like any other.
            request__imported_from="",
        ).values_list("pk", flat=True)[:1000]
    )
    for event_id in lost_events:
        try:
            dispatch_event.enqueue(event_id)
        except Exception:
            log.exception("Could not enqueue the dispatch of event %s", event_id)
    return len(ids) + len(lost_events)


# --- the tasks (Django's Tasks API), run by the worker; each takes ids, never objects, so it reads the
# current row. notify/tasks.py names them too, the import path queued tasks of earlier versions carry.


@task()
def dispatch_event(event_id: int) -> int:
    """For each registered channel, its recipients of this event -> one Delivery each (idempotent on key,
    so a dispatch run twice creates nothing new). Returns how many deliveries the event has."""
    return _dispatch(event_id)


@task()
def dispatch_events(event_ids: list[int]) -> int:
    """dispatch_event for each of the events one domain call recorded, in order (one queued task, not
    one per event). A retry after a failure part-way creates nothing twice."""
    return sum(_dispatch(event_id) for event_id in event_ids)


def _dispatch(event_id: int) -> int:
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
            enqueue(recipient, event=event)
            count += 1
    EventDispatch.objects.get_or_create(event=event)
    return count


@task()
def send_delivery(delivery_id: int) -> str:
    return send(delivery_id)


@task()
def sweep_deliveries() -> int:
    return sweep()
