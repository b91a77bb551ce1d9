"""`civic311 worker` processes over the test's database: they send each delivery once between them, and a
worker killed mid-send (SIGKILL) loses nothing: another takes its delivery back and sends it."""

import json
import os
import signal
import time

import pytest

from civic311.notify.models import Delivery, DeliveryStatus, WebhookEndpoint
from civic311.servicerequests import actions
from tests.factories import file_request
from tests.notify.test_webhooks import SECRET, Receiver
from tests.servers import start_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

STAFF = actions.Actor(channel="web")
# Short waits for the test: a sweep every second, a send stuck for 2 s is taken back.
QUICK = {
    "NOTIFY_SWEEP_SECONDS": "1",
    "NOTIFY_SENDING_TIMEOUT_SECONDS": "2",
    "NOTIFY_LOST_AFTER_SECONDS": "2",
    "NOTIFY_RETRY_SECONDS": "1",
}


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def workers(tmp_path):
    started = []

    def start(*args, env=None):
        process = start_worker(tmp_path / f"worker-{len(started)}.log", *args, env={**QUICK, **(env or {})})
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
    for process in started:
        try:
            process.wait(timeout=10)
        except Exception:
            process.kill()
            process.wait()


def wait_until(condition, timeout=40.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


# The other channels (email, SMS) work in these processes too: the tests look at the webhooks.
HOOKS = Delivery.objects.filter(channel="webhook")


def all_sent(count):
    return lambda: HOOKS.filter(status=DeliveryStatus.SENT).count() == count


def test_two_workers_send_each_delivery_once(city, receiver, workers):
    WebhookEndpoint.objects.create(url=receiver.url, secret=SECRET, event_kinds=["created", "note"])
    requests = [file_request(city.pothole) for _ in range(4)]
    for request in requests:
        for n in range(3):
            actions.add_note(request, f"Update {n}", STAFF, public=True)
    workers()
    workers()
    wait_until(all_sent(16), what="16 deliveries sent")
    time.sleep(1)  # a late duplicate would arrive now
    ids = [hit["headers"]["X-Civic311-Delivery"] for hit in receiver.received]
    assert len(ids) == 16
    assert len(set(ids)) == 16
    assert set(HOOKS.values_list("attempts", flat=True)) == {1}


def test_a_worker_killed_mid_send_loses_nothing(city, receiver, workers):
    WebhookEndpoint.objects.create(url=receiver.url, secret=SECRET, event_kinds=["created"])
    # The first POST hangs: the worker is killed while it waits for the answer.
    receiver.answers = ["hang"]
    for _ in range(3):
        file_request(city.pothole)
    first = workers("--no-schedule")
    wait_until(lambda: receiver.received, what="the first POST")
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    stuck = HOOKS.get(status=DeliveryStatus.SENDING)

    workers()  # a new worker, with the periodic sweep
    wait_until(all_sent(3), what="3 deliveries sent")
    stuck.refresh_from_db()
    assert stuck.attempts == 2  # taken back once, sent once more
    time.sleep(1)
    ids = [hit["headers"]["X-Civic311-Delivery"] for hit in receiver.received]
    # every delivery arrived; the one whose worker died after the receiver had it arrived twice (at most)
    assert set(ids) == set(HOOKS.values_list("key", flat=True))
    assert ids.count(stuck.key) == 2
    assert len(ids) == 4


def test_a_worker_killed_before_the_send_runs_it_exactly_once(city, receiver, workers):
    WebhookEndpoint.objects.create(url=receiver.url, secret=SECRET, event_kinds=["created"])
    # The receiver is down at first: the first attempt fails and waits 1 s for its retry
    receiver.answers = [503]
    first = workers("--no-schedule")
    file_request(city.pothole)
    wait_until(lambda: receiver.received, what="the first POST")
    wait_until(lambda: HOOKS.filter(status=DeliveryStatus.PENDING, attempts=1).exists(), what="retry")
    os.kill(first.pid, signal.SIGKILL)  # its retry task is in the queue, unclaimed
    first.wait()
    workers()
    wait_until(all_sent(1), what="the delivery sent")
    time.sleep(1)
    assert [hit["headers"]["X-Civic311-Delivery"] for hit in receiver.received].count(
        HOOKS.get().key
    ) == 2  # the failed attempt and the one that succeeded, nothing more
    assert json.loads(receiver.received[-1]["body"])["event"] == "created"


def test_a_periodic_job_runs_once_a_round_with_two_workers(city, workers):
    """Both workers tick every 0.2 s; the sweep (every second) is enqueued once a round between them, and
    goes on when one of them dies. Read off the queue's own times, so a busy machine changes nothing."""
    from django_tasks_db.models import DBTaskResult

    def sweeps() -> list:
        return list(
            DBTaskResult.objects.filter(task_path="civic311.notify.deliveries.sweep_deliveries")
            .order_by("enqueued_at")
            .values_list("enqueued_at", flat=True)
        )

    first = workers("--tick-seconds", "0.2")
    workers("--tick-seconds", "0.2")
    wait_until(lambda: len(sweeps()) >= 8, timeout=90, what="8 rounds of the sweep")
    times = sweeps()
    span = (times[-1] - times[0]).total_seconds()
    # Once a round: about one a second over the span (2 s of slack for a slow enqueue at either end);
    # each worker enqueuing it would make two a second.
    assert len(times) - 1 <= span + 2, (len(times), span)
    first.kill()
    first.wait()
    before = len(sweeps())
    wait_until(lambda: len(sweeps()) >= before + 2, timeout=60, what="the other worker going on")
    sla = DBTaskResult.objects.filter(
        task_path="civic311.notify.schedule.run_periodic", args_kwargs__args__0="routing.check_sla"
    ).count()
    assert sla == 1  # every 5 minutes: the first round only
