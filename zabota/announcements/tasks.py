"""The worker's periodic job: announce scheduled announcements once they start."""

from __future__ import annotations

from django_tasks import task

from zabota.announcements import actions


@task(queue_name="default")
def announce_started() -> int:
    """Idempotent: each announcement is announced once (``notified_at``), each agent notified once (dedupe)."""
    return actions.announce_started()
