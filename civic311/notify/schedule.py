"""Periodic jobs, run by the task worker: `every(name, seconds, task)` registers one; the worker calls
`tick()` every few seconds, which enqueues each due job once across all workers (a PeriodicJob row per job
whose next_run_at is moved forward by a conditional UPDATE: the worker whose UPDATE matched enqueues it)."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.tasks import task
from django.utils import timezone

from civic311.notify.models import PeriodicJob

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    seconds: float
    task: Any  # a django.tasks Task (enqueued), or a plain function (run by the run_periodic task)


_jobs: dict[str, Job] = {}


def every(name: str, seconds: float, task: Any) -> None:
    """Run `task` (a Task, or a function of no arguments) every `seconds`, from the worker."""
    _jobs[name] = Job(name, seconds, task)


def jobs() -> list[Job]:
    return list(_jobs.values())


def run(name: str) -> Any:
    """Run a registered job in this process (what the run_periodic task does)."""
    job = _jobs[name]
    return job.task.call() if _is_task(job.task) else job.task()


@task()
def run_periodic(name: str) -> None:
    """Run the periodic job `name` (enqueued by tick when due, for a job that is a plain function)."""
    run(name)


def _is_task(obj: Any) -> bool:
    # A django.tasks Task, or the same class of the django-tasks package, which the RQ backend makes
    return callable(getattr(obj, "enqueue", None)) and hasattr(obj, "func")


def _enqueue(job: Job) -> None:
    if _is_task(job.task):
        job.task.enqueue()
    else:
        run_periodic.enqueue(job.name)


def tick(now=None) -> list[str]:
    """Enqueue every due job that this worker claims; returns their names."""
    now = now or timezone.now()
    started = []
    for job in jobs():
        # get_or_create survives a race with another worker creating the same row
        PeriodicJob.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
        claimed = PeriodicJob.objects.filter(name=job.name, next_run_at__lte=now).update(
            last_run_at=now, next_run_at=now + timedelta(seconds=job.seconds)
        )
        if claimed:
            try:
                _enqueue(job)
            except Exception:
                log.exception("Could not enqueue periodic job %s", job.name)
            else:
                started.append(job.name)
    return started
