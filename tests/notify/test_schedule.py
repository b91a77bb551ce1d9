"""Periodic jobs: `schedule.every(name, seconds, task)`; each worker's tick enqueues a due job, and of
several workers ticking at once exactly one does."""

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from civic311.notify import schedule
from civic311.notify.models import PeriodicJob
from civic311.notify.tasks import run_queued

pytestmark = pytest.mark.django_db(transaction=True)

ran: list[str] = []


def count_something() -> None:
    ran.append("counted")


@pytest.fixture
def only_our_job(monkeypatch):
    monkeypatch.setattr(schedule, "_jobs", {})
    ran.clear()
    schedule.every("test.count", 60, count_something)


def test_a_due_job_is_enqueued_once_until_its_next_time(only_our_job):
    now = timezone.now()
    assert schedule.tick(now) == ["test.count"]
    assert schedule.tick(now) == []
    assert schedule.tick(now + timedelta(seconds=59)) == []
    assert schedule.tick(now + timedelta(seconds=60)) == ["test.count"]
    job = PeriodicJob.objects.get(name="test.count")
    assert job.last_run_at == now + timedelta(seconds=60)
    assert job.next_run_at == now + timedelta(seconds=120)

    run_queued()
    assert ran == ["counted", "counted"]


def test_of_workers_ticking_at_once_one_enqueues(only_our_job):
    now = timezone.now()
    started: list[list[str]] = []
    barrier = threading.Barrier(4)

    def worker():
        barrier.wait()
        try:
            started.append(schedule.tick(now))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(started) == [[], [], [], ["test.count"]]
    assert DBTaskResult.objects.filter(task_path="civic311.notify.schedule.run_periodic").count() == 1


def test_the_sla_check_and_the_sweep_are_registered():
    jobs = {job.name: job for job in schedule.jobs()}
    assert jobs["routing.check_sla"].seconds == 300
    assert jobs["notify.sweep"].seconds == 60


def test_the_sla_check_escalates_from_the_worker(city):
    from civic311.servicerequests.models import ServiceRequest
    from tests.factories import file_request

    request = file_request(city.pothole)
    ServiceRequest.objects.filter(pk=request.pk).update(expected_datetime=timezone.now() - timedelta(hours=1))
    schedule.run("routing.check_sla")
    request.refresh_from_db()
    assert request.overdue_since is not None


def test_finished_tasks_of_the_database_queue_are_pruned_after_two_days(city):
    from civic311.notify.tasks import sweep_deliveries

    old, recent = sweep_deliveries.enqueue(), sweep_deliveries.enqueue()
    run_queued()
    DBTaskResult.objects.filter(pk=old.id).update(finished_at=timezone.now() - timedelta(days=3))
    schedule.run("notify.prune_task_results")
    assert list(DBTaskResult.objects.values_list("pk", flat=True)) == [recent.db_result.pk]
