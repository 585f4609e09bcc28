"""Periodic jobs for the worker's scheduler (ADR 0008).

CONTRACT (other apps rely on this signature):

    register_job(name, task, every=timedelta(seconds=30))   # fixed interval
    register_job(name, task, cron="*/5 * * * *")             # cron expression (UTC)

``task`` is a django-tasks ``Task`` (a function decorated with ``@task``) that takes no arguments.
Apps call ``register_job`` in their ``AppConfig.ready()``. The scheduler enqueues the task when due;
only one scheduler across all worker processes enqueues at a time (a lease row in the database).

How "once per due time" holds: each job has a ``ScheduledJob`` row with its next due time. The lease
holder moves it forward with ``UPDATE … WHERE next_run_at = <the due time it read>`` and, in the same
transaction, inserts ``ScheduledRun(job, due_at)`` (unique) and enqueues the task (a row in the same
database with the database backend). Two schedulers racing after a lease hand-over cannot both win the
UPDATE, and the unique row would refuse the second anyway. A scheduler that was down fires a missed job
once when it comes back (no burst of catch-up runs), then keeps the job's rhythm.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from croniter import croniter
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger(__name__)

LEASE_NAME = "scheduler"


@dataclass(frozen=True)
class Job:
    name: str
    task: Any
    every: timedelta | None = None
    cron: str | None = None

    @property
    def spec(self) -> str:
        """How the job is timed; a changed spec restarts the job's schedule."""
        if self.every is not None:
            return f"every {self.every.total_seconds():g}s"
        return f"cron {self.cron}"


JOBS: dict[str, Job] = {}


def register_job(name: str, task: Any, *, every: timedelta | None = None, cron: str | None = None) -> Job:
    if (every is None) == (cron is None):
        raise ValueError("give exactly one of every= or cron=")
    if every is not None and every.total_seconds() <= 0:
        raise ValueError("every= must be a positive interval")
    if cron is not None and not croniter.is_valid(cron):
        raise ValueError(f"invalid cron expression: {cron!r}")
    if len(name) > 100:
        raise ValueError("a job name has at most 100 characters")
    job = Job(name=name, task=task, every=every, cron=cron)
    JOBS[name] = job
    return job


def lease_seconds() -> float:
    return float(settings.ZABOTA_SCHEDULER_LEASE_SECONDS)


# --- due times (pure) ------------------------------------------------------------------------------


def _cron_after(expression: str, moment: datetime) -> datetime:
    nxt: datetime = croniter(expression, moment.astimezone(UTC)).get_next(datetime)
    return nxt


def first_due(job: Job, now: datetime) -> datetime:
    """A job seen for the first time: an interval job runs at once, a cron job at its next match."""
    if job.every is not None:
        return now
    assert job.cron is not None
    return _cron_after(job.cron, now)


def next_due(job: Job, due: datetime, now: datetime) -> datetime:
    """The due time after ``due`` that is still in the future; missed ones are skipped, not queued."""
    if job.every is not None:
        step = job.every
        nxt = due + step
        if nxt <= now:
            missed = (now - due) // step
            nxt = due + step * (missed + 1)
        return nxt
    assert job.cron is not None
    return _cron_after(job.cron, max(due, now))


# --- the lease -------------------------------------------------------------------------------------


def acquire_lease(holder: str, *, now: datetime, ttl: timedelta, name: str = LEASE_NAME) -> bool:
    """Take or renew the lease; True while ``holder`` holds it. One conditional UPDATE, both databases."""
    from zabota.core.models import SchedulerLease

    updated = (
        SchedulerLease.objects.filter(name=name)
        .filter(Q(holder=holder) | Q(expires_at__lte=now))
        .update(holder=holder, expires_at=now + ttl)
    )
    if updated:
        return True
    if SchedulerLease.objects.filter(name=name).exists():
        return False
    try:
        with transaction.atomic():
            SchedulerLease.objects.create(name=name, holder=holder, expires_at=now + ttl)
    except IntegrityError:
        return False
    return True


def release_lease(holder: str, *, now: datetime, name: str = LEASE_NAME) -> None:
    """Give the lease up at once (graceful shutdown) so another worker takes over without waiting."""
    from zabota.core.models import SchedulerLease

    SchedulerLease.objects.filter(name=name, holder=holder).update(holder="", expires_at=now)


# --- enqueueing due jobs ---------------------------------------------------------------------------


def run_due_jobs(
    *, now: datetime, jobs: dict[str, Job] | None = None, holder: str = ""
) -> list[tuple[str, datetime]]:
    """Enqueue every job whose due time has come; returns the (job, due time) pairs this call enqueued.

    Call only while holding the lease; correctness does not depend on it (see the module docstring),
    the lease only keeps schedulers from doing the same work.
    """
    from zabota.core.models import ScheduledJob

    jobs = JOBS if jobs is None else jobs
    if not jobs:
        return []
    states = {s.name: s for s in ScheduledJob.objects.filter(name__in=list(jobs))}
    missing = [
        ScheduledJob(name=job.name, spec=job.spec, next_run_at=first_due(job, now))
        for job in jobs.values()
        if job.name not in states
    ]
    if missing:
        ScheduledJob.objects.bulk_create(missing, ignore_conflicts=True)
        states = {s.name: s for s in ScheduledJob.objects.filter(name__in=list(jobs))}
    enqueued: list[tuple[str, datetime]] = []
    for job in jobs.values():
        state = states.get(job.name)
        if state is None:
            continue
        if state.spec != job.spec:
            ScheduledJob.objects.filter(name=job.name, spec=state.spec).update(
                spec=job.spec, next_run_at=first_due(job, now)
            )
            continue
        if state.next_run_at > now:
            continue
        if _enqueue_once(job, due=state.next_run_at, now=now, holder=holder):
            enqueued.append((job.name, state.next_run_at))
    return enqueued


def _enqueue_once(job: Job, *, due: datetime, now: datetime, holder: str) -> bool:
    from zabota.core.models import ScheduledJob, ScheduledRun

    try:
        with transaction.atomic():
            claimed = ScheduledJob.objects.filter(name=job.name, next_run_at=due).update(
                next_run_at=next_due(job, due, now), last_run_at=now
            )
            if not claimed:
                return False
            run = ScheduledRun.objects.create(
                job=job.name, due_at=due, enqueued_at=now, enqueued_by=holder[:64]
            )
            result = job.task.enqueue()
            run.task_id = str(result.id)[:64]
            run.save(update_fields=["task_id"])
            ScheduledJob.objects.filter(name=job.name).update(last_task_id=run.task_id)
    except IntegrityError:
        # Another scheduler enqueued this due time already; move on so the job is not stuck on it.
        ScheduledJob.objects.filter(name=job.name, next_run_at=due).update(
            next_run_at=next_due(job, due, now)
        )
        logger.warning("job %s due %s was already enqueued", job.name, due.isoformat())
        return False
    logger.info("enqueued job %s due %s", job.name, due.isoformat())
    return True


def prune_runs(*, now: datetime, keep: timedelta = timedelta(days=2)) -> int:
    """The run log only guards recent due times; older rows go."""
    from zabota.core.models import ScheduledRun

    deleted, _ = ScheduledRun.objects.filter(enqueued_at__lt=now - keep).delete()
    return deleted


class Scheduler:
    """One process's scheduler: on each tick, if it holds the lease, enqueue what is due."""

    def __init__(self, holder: str, *, ttl: timedelta | None = None, jobs: dict[str, Job] | None = None):
        self.holder = holder
        self.ttl = ttl if ttl is not None else timedelta(seconds=lease_seconds())
        self.jobs = jobs
        self.is_leader = False

    def tick(self, now: datetime | None = None) -> list[tuple[str, datetime]]:
        now = now or timezone.now()
        held = acquire_lease(self.holder, now=now, ttl=self.ttl)
        if held != self.is_leader:
            logger.info("scheduler %s %s the lease", self.holder, "took" if held else "lost")
        self.is_leader = held
        if not held:
            return []
        return run_due_jobs(now=now, jobs=self.jobs, holder=self.holder)

    def release(self, now: datetime | None = None) -> None:
        if self.is_leader:
            release_lease(self.holder, now=now or timezone.now())
            self.is_leader = False
