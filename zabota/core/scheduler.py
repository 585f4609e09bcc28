"""Periodic jobs for the worker's scheduler.

CONTRACT (implemented by the worker work package; other apps rely on this signature):

    register_job(name, task, every=timedelta(seconds=30))   # fixed interval
    register_job(name, task, cron="*/5 * * * *")             # cron expression (server timezone UTC)

``task`` is a django-tasks ``Task`` (a function decorated with ``@task``) that takes no arguments.
Apps call ``register_job`` in their ``AppConfig.ready()``. The scheduler enqueues the task when due;
only one scheduler across all worker processes enqueues at a time (a lease row in the database).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class Job:
    name: str
    task: Any
    every: timedelta | None = None
    cron: str | None = None


JOBS: dict[str, Job] = {}


def register_job(name: str, task: Any, *, every: timedelta | None = None, cron: str | None = None) -> Job:
    if (every is None) == (cron is None):
        raise ValueError("give exactly one of every= or cron=")
    job = Job(name=name, task=task, every=every, cron=cron)
    JOBS[name] = job
    return job
