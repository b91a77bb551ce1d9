"""The notification pipeline in one process on the database queue: an event becomes deliveries after its
transaction commits, each is sent once, failures are retried with backoff, the sweep finds what a dead
worker left, and the admin shows the log and retries."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from civic311.notify import deliveries, registry
from civic311.notify.models import Delivery, DeliveryStatus, EventDispatch
from civic311.notify.registry import PermanentFailure, Recipient
from civic311.notify.tasks import dispatch_event, run_queued
from civic311.servicerequests import actions
from civic311.servicerequests.models import Event
from tests.factories import file_request

STAFF = actions.Actor(channel="web")

# Committed transactions, as in production: the on_commit hooks run, the worker sees the rows.
pytestmark = pytest.mark.django_db(transaction=True)


class Outbox:
    """A channel of the test's own, registered alone: it records each send, and fails when asked to."""

    def __init__(self):
        self.sent: list[tuple[str, str]] = []
        self.failures: list[Exception] = []

    def recipients(self, event) -> list[Recipient]:
        # what a resident hears of: the report received, status changes, public notes (not routing)
        if not (event.public and event.request.public) or event.kind not in (
            "created",
            "status_changed",
            "note",
        ):
            return []
        return [Recipient(channel="test", address="alice@example.org", kind=event.kind, language="en")]

    def send(self, delivery) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((delivery.address, delivery.kind))


@pytest.fixture
def outbox(monkeypatch):
    box = Outbox()
    monkeypatch.setattr(registry, "_channels", {})
    registry.register_channel("test", box.recipients, box.send)
    return box


@pytest.fixture
def quick_retries(monkeypatch):
    monkeypatch.setattr(deliveries, "BACKOFF_BASE", timedelta(milliseconds=200))


def test_an_event_is_sent_to_its_recipients_after_the_transaction_commits(city, outbox):
    request = file_request(city.pothole)
    assert Delivery.objects.count() == 0  # the dispatch is a task of the worker
    assert outbox.sent == []  # nothing is sent in the request that recorded the event

    run_queued()

    delivery = Delivery.objects.get()
    assert delivery.key == f"{delivery.event_id}:test:alice@example.org:created"
    assert outbox.sent == [("alice@example.org", "created")]
    assert (delivery.status, delivery.attempts, delivery.event.request) == (DeliveryStatus.SENT, 1, request)
    assert delivery.sent_at is not None
    assert EventDispatch.objects.filter(event=delivery.event).exists()


def test_a_rolled_back_transaction_sends_nothing(city, outbox):
    from django.db import transaction

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        file_request(city.pothole)
        raise Abandon

    run_queued()
    assert Event.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert outbox.sent == []


def test_a_private_event_reaches_no_resident(city, outbox):
    request = file_request(city.pothole)
    run_queued()
    actions.add_note(request, "Crew says: the owner is difficult", STAFF, public=False)
    run_queued()
    assert outbox.sent == [("alice@example.org", "created")]


def test_a_failed_send_is_retried_with_backoff_then_sent(city, outbox, quick_retries):
    outbox.failures = [ConnectionError("provider down"), TimeoutError("still down")]
    file_request(city.pothole)
    before = timezone.now()
    run_queued()

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.last_error == "ConnectionError: provider down"
    assert (
        before + timedelta(milliseconds=150)
        < delivery.next_attempt_at
        < timezone.now() + timedelta(seconds=1)
    )
    assert outbox.sent == []

    time.sleep(0.25)
    run_queued()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 2)
    # the second wait is four times the first
    assert delivery.next_attempt_at - timezone.now() > timedelta(milliseconds=500)

    time.sleep(0.85)
    run_queued()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 3, "")
    assert outbox.sent == [("alice@example.org", "created")]


def test_the_waits_grow_one_four_sixteen_minutes():
    assert [deliveries.backoff(n) for n in (1, 2, 3)] == [
        timedelta(minutes=1),
        timedelta(minutes=4),
        timedelta(minutes=16),
    ]


def test_after_the_last_attempt_a_delivery_is_failed(city, outbox, quick_retries, monkeypatch):
    monkeypatch.setattr(deliveries, "MAX_ATTEMPTS", 2)
    outbox.failures = [OSError("down"), OSError("down for good")]
    file_request(city.pothole)
    run_queued()
    time.sleep(0.25)
    run_queued()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)
    assert delivery.last_error == "OSError: down for good"
    assert outbox.sent == []


def test_a_permanent_failure_is_not_retried(city, outbox):
    outbox.failures = [PermanentFailure("mailbox does not exist")]
    file_request(city.pothole)
    run_queued()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert delivery.last_error == "PermanentFailure: mailbox does not exist"
    assert delivery.next_attempt_at is None


def test_a_second_worker_loses_the_claim_and_sends_nothing(city, outbox):
    delivery = deliveries.enqueue(Recipient("test", "alice@example.org", "alert"))
    first = deliveries.claim(delivery.pk)
    assert first is not None and first.status == DeliveryStatus.SENDING and first.attempts == 1
    assert deliveries.claim(delivery.pk) is None
    assert deliveries.send(delivery.pk) == "skipped"
    assert outbox.sent == []


def test_a_filing_queues_one_dispatch_for_all_its_events(city, outbox):
    from django_tasks_db.models import DBTaskResult

    request = file_request(city.pothole)
    events = list(request.events.order_by("pk").values_list("pk", flat=True))
    assert len(events) >= 2  # created and routed at least
    queued = list(DBTaskResult.objects.values_list("task_path", "args_kwargs"))
    assert queued == [("civic311.notify.deliveries.dispatch_events", {"args": [events], "kwargs": {}})]
    run_queued()
    assert EventDispatch.objects.filter(event_id__in=events).count() == len(events)
    assert outbox.sent == [("alice@example.org", "created")]


def test_the_same_key_is_one_delivery(city, outbox):
    file_request(city.pothole)
    event = Event.objects.get(kind="created")
    # the event dispatched three times (a retry, the sweep, a second worker): still one delivery, one send
    dispatch_event.call(event.pk)
    dispatch_event.enqueue(event.pk)
    run_queued()
    assert Delivery.objects.count() == 1
    assert outbox.sent == [("alice@example.org", "created")]


def test_a_message_without_an_event_or_key_is_its_own_delivery(city, outbox):
    one = deliveries.enqueue(Recipient("test", "alice@example.org", "alert"))
    two = deliveries.enqueue(Recipient("test", "alice@example.org", "alert"))
    assert one.pk != two.pk
    same = deliveries.enqueue(Recipient("test", "alice@example.org", "alert"), key="digest:2026-11-24")
    again = deliveries.enqueue(Recipient("test", "alice@example.org", "alert"), key="digest:2026-11-24")
    assert same.pk == again.pk


def test_a_long_address_gets_a_hashed_key(city, outbox):
    delivery = deliveries.enqueue(Recipient("test", "x" * 400, "alert"), key=None, event=None)
    assert len(delivery.key) <= 255
    assert len(deliveries.make_key(Recipient("test", "x" * 400, "alert"), 12)) <= 255


def test_the_sweep_takes_back_a_delivery_whose_worker_died(city, outbox):
    delivery = deliveries.enqueue(Recipient("test", "alice@example.org", "alert"))
    assert deliveries.claim(delivery.pk) is not None  # ... and the worker is killed here
    run_queued()
    assert outbox.sent == []

    deliveries.sweep()  # too early: it may still be sending
    run_queued()
    assert outbox.sent == []

    deliveries.sweep(now=timezone.now() + deliveries.SENDING_TIMEOUT + timedelta(seconds=1))
    run_queued()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert outbox.sent == [("alice@example.org", "alert")]


def test_the_sweep_wakes_a_delivery_whose_task_was_lost(city, outbox):
    delivery = deliveries.enqueue(Recipient("test", "alice@example.org", "alert"))
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()  # the queue lost it
    deliveries.sweep(now=timezone.now() + deliveries.LOST_AFTER + timedelta(seconds=1))
    run_queued()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT


def test_the_sweep_dispatches_an_event_whose_dispatch_was_lost(city, outbox):
    from django_tasks_db.models import DBTaskResult

    file_request(city.pothole)
    DBTaskResult.objects.all().delete()  # the queue lost the dispatch (or the process died before it)
    deliveries.sweep(now=timezone.now() + deliveries.LOST_AFTER + timedelta(seconds=1))
    run_queued()
    assert outbox.sent == [("alice@example.org", "created")]
    # and once only
    deliveries.sweep(now=timezone.now() + deliveries.LOST_AFTER + timedelta(seconds=1))
    run_queued()
    assert outbox.sent == [("alice@example.org", "created")]


def test_the_sweep_leaves_an_imports_history_unannounced(city, outbox):
    from django_tasks_db.models import DBTaskResult

    imported = file_request(city.pothole)
    imported.imported_from = "chicago"
    imported.save(update_fields=["imported_from"])
    DBTaskResult.objects.all().delete()
    EventDispatch.objects.all().delete()
    deliveries.sweep(now=timezone.now() + deliveries.LOST_AFTER + timedelta(seconds=1))
    run_queued()
    assert outbox.sent == []
    assert not EventDispatch.objects.exists()


def test_a_delivery_to_an_unknown_channel_fails_with_a_reason(city, outbox):
    delivery = deliveries.enqueue(Recipient("pigeon", "roof", "alert"))
    run_queued()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "pigeon" in delivery.last_error
