"""The worker process: django-tasks-db's worker loop plus a supervisor thread (ADR 0008).

The supervisor thread beats the worker's heartbeat and, when this process holds the scheduler lease,
enqueues due periodic jobs, puts back tasks of workers that stopped beating (crash recovery) and turns
failed task results into dead letters.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

from zabota.core.deadletters import collect_failed_results
from zabota.core.models import WorkerHeartbeat
from zabota.core.scheduler import Scheduler, prune_runs

logger = logging.getLogger(__name__)

WORKER_LOST = "zabota.core.worker.WorkerLost"


class WorkerLost(Exception):
    """The worker running a task stopped beating too many times in a row (recorded, never raised)."""


def heartbeat_seconds() -> float:
    return float(settings.ZABOTA_WORKER_HEARTBEAT_SECONDS)


def stale_seconds() -> float:
    return float(settings.ZABOTA_WORKER_STALE_SECONDS)


def max_claims() -> int:
    """How many workers may die on one task before it is failed instead of run again."""
    return int(settings.ZABOTA_WORKER_MAX_CLAIMS)


def new_worker_id() -> str:
    host = socket.gethostname().split(".")[0][:30]
    return f"{host}-{os.getpid()}-{get_random_string(8)}"


def beat(worker_id: str, *, now: datetime, queues: str = "") -> None:
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(seen_at=now)
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={
                "hostname": socket.gethostname()[:200],
                "pid": os.getpid(),
                "queues": queues[:200],
                "started_at": now,
                "seen_at": now,
            },
        )


def forget_worker(worker_id: str) -> None:
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def recover_stalled_tasks(*, now: datetime, stale_after: timedelta | None = None) -> list[str]:
    """Put RUNNING results whose worker stopped beating back to READY; returns their ids.

    django-tasks-db appends the claiming worker's id to ``worker_ids``, so the last id names the worker
    that is (or was) running the task. A task whose workers died ``max_claims()`` times is failed
    instead (a task that kills its worker must not kill every worker in turn); it then shows up as a
    dead letter. Each change is a conditional UPDATE on (id, RUNNING, started_at): a worker that finishes
    the task meanwhile wins.
    """
    from django_tasks_db.models import DBTaskResult

    stale_after = stale_after if stale_after is not None else timedelta(seconds=stale_seconds())
    cutoff = now - stale_after
    running = list(DBTaskResult.objects.running().values_list("id", "worker_ids", "started_at").order_by())
    if not running:
        return []
    alive = set(WorkerHeartbeat.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True))
    recovered: list[str] = []
    for result_id, worker_ids, started_at in running:
        owner = worker_ids[-1] if worker_ids else ""
        if owner in alive or (started_at is not None and started_at >= cutoff):
            continue
        same = DBTaskResult.objects.filter(id=result_id, status="RUNNING", started_at=started_at)
        with transaction.atomic():
            if len(worker_ids) >= max_claims():
                changed = same.update(
                    status="FAILED",
                    finished_at=now,
                    exception_class_path=WORKER_LOST,
                    traceback=(
                        f"{WORKER_LOST}: the worker running this task stopped responding "
                        f"{len(worker_ids)} times (last: {owner})\n"
                    ),
                )
            else:
                changed = same.update(status="READY")
        if changed:
            logger.warning(
                "task %s of stalled worker %s %s",
                result_id,
                owner,
                "failed" if len(worker_ids) >= max_claims() else "re-queued",
            )
            recovered.append(str(result_id))
    return recovered


def prune_heartbeats(*, now: datetime, keep: timedelta = timedelta(days=1)) -> int:
    deleted, _ = WorkerHeartbeat.objects.filter(seen_at__lt=now - keep).delete()
    return deleted


class Supervisor(threading.Thread):
    """Heartbeat, scheduler and recovery in a daemon thread next to the worker loop."""

    def __init__(self, worker_id: str, *, queues: str = "*", scheduler: bool = True, tick: float = 1.0):
        super().__init__(name=f"zabota-supervisor-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.queues = queues
        self.tick_seconds = tick
        self.scheduler = Scheduler(worker_id) if scheduler else None
        self._stopping = threading.Event()
        self._last_beat: datetime | None = None
        self._last_maintenance: datetime | None = None

    def step(self, now: datetime | None = None) -> None:
        now = now or timezone.now()
        if self._last_beat is None or (now - self._last_beat).total_seconds() >= heartbeat_seconds():
            beat(self.worker_id, now=now, queues=self.queues)
            self._last_beat = now
        if self.scheduler is None:
            return
        self.scheduler.tick(now)
        if not self.scheduler.is_leader:
            return
        if (
            self._last_maintenance is None
            or (now - self._last_maintenance).total_seconds() >= heartbeat_seconds()
        ):
            recover_stalled_tasks(now=now)
            collect_failed_results(now=now)
            prune_runs(now=now)
            prune_heartbeats(now=now)
            self._last_maintenance = now

    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    self.step()
                except Exception:
                    logger.exception("worker supervisor step failed; trying again")
                finally:
                    close_old_connections()
                self._stopping.wait(self.tick_seconds)
        finally:
            connection.close()

    def stop(self) -> None:
        self._stopping.set()

    def shutdown(self) -> None:
        """Stop the thread, give the lease up and remove the heartbeat (graceful exit only)."""
        self.stop()
        if self.is_alive():
            self.join(timeout=10)
        try:
            if self.scheduler is not None:
                self.scheduler.release()
            forget_worker(self.worker_id)
        except Exception:
            logger.exception("could not clean up worker %s", self.worker_id)
