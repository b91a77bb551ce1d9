"""The same pipeline on TASKS_BACKEND=rq: RQ workers (`civic311 worker`) over the real Redis on this
machine; tasks enqueued by this process go to Redis, retries wait in RQ's scheduler."""

import os
import signal
import time

import pytest
import redis

from civic311.notify.models import DeliveryStatus, WebhookEndpoint
from civic311.servicerequests import actions
from tests.factories import file_request
from tests.notify.test_webhooks import SECRET, Receiver
from tests.notify.test_worker import HOOKS, QUICK, all_sent, wait_until
from tests.servers import start_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# A Redis database of these tests' own, emptied before and after.
REDIS_URL = os.environ.get("TEST_RQ_REDIS_URL", "redis://127.0.0.1:6379/13")
STAFF = actions.Actor(channel="web")


@pytest.fixture
def rq(settings):
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    client.flushdb()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300}}
    yield client
    client.flushdb()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def rq_workers(tmp_path, rq):
    started = []

    def start(*args, env=None):
        env = {**QUICK, "TASKS_BACKEND": "rq", "REDIS_URL": REDIS_URL, **(env or {})}
        process = start_worker(tmp_path / f"rq-worker-{len(started)}.log", *args, env=env)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in started:
        try:
            process.wait(timeout=15)
        except Exception:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_events_reach_the_receiver_through_rq_once_each(city, receiver, rq_workers):
    WebhookEndpoint.objects.create(url=receiver.url, secret=SECRET, event_kinds=["created", "note"])
    for _ in range(3):
        request = file_request(city.pothole)
        actions.add_note(request, "On the list", STAFF, public=True)
    rq_workers()
    rq_workers()
    wait_until(all_sent(6), what="6 deliveries sent over RQ")
    time.sleep(1)
    ids = [hit["headers"]["X-Civic311-Delivery"] for hit in receiver.received]
    assert sorted(ids) == sorted(HOOKS.values_list("key", flat=True))


def test_a_failed_send_is_retried_by_the_rq_scheduler(city, receiver, rq_workers):
    WebhookEndpoint.objects.create(url=receiver.url, secret=SECRET, event_kinds=["created"])
    receiver.answers = [503]
    rq_workers()
    file_request(city.pothole)
    wait_until(all_sent(1), what="the delivery sent after its retry")
    delivery = HOOKS.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert len(receiver.received) == 2


def test_an_rq_worker_killed_mid_send_loses_nothing(city, receiver, rq_workers):
    WebhookEndpoint.objects.create(url=receiver.url, secret=SECRET, event_kinds=["created"])
    receiver.answers = ["hang"]
    for _ in range(2):
        file_request(city.pothole)
    first = rq_workers("--no-schedule")
    wait_until(lambda: receiver.received, what="the first POST")
    os.killpg(first.pid, signal.SIGKILL)  # the worker and its work horse
    first.wait()
    rq_workers()
    wait_until(all_sent(2), what="both deliveries sent")
    time.sleep(1)
    ids = [hit["headers"]["X-Civic311-Delivery"] for hit in receiver.received]
    assert set(ids) == set(HOOKS.values_list("key", flat=True))
    assert len(ids) <= 3  # the one in flight at the kill may arrive twice, nothing more
