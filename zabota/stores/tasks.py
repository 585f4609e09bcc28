"""Periodic work of the stores app."""

from __future__ import annotations

from django_tasks import task

from zabota.stores.presence import age_presence


@task()
def age_presence_task() -> int:
    """Idempotent: running it twice in a row changes nothing the second time."""
    return age_presence()
