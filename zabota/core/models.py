"""Base models shared by every app, and the store-wide counters."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True, db_index=False)

    class Meta:
        abstract = True


class StoreScoped(models.Model):
    """A row owned by one store. Every query on it starts from ``for_store``."""

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class Counter(models.Model):
    """Per-store sequences (conversation numbers and the like)."""

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=40)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="core_counter_store_name")]

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


def next_value(*, store_id: int, name: str) -> int:
    """Increment and return the store's counter; call inside the caller's transaction.

    The UPDATE takes a row lock on PostgreSQL and the write lock on SQLite, so two
    concurrent transactions never get the same number.
    """
    return reserve_values(store_id=store_id, name=name, count=1)[0]


def reserve_values(*, store_id: int, name: str, count: int) -> list[int]:
    """Reserve ``count`` consecutive values of the counter at once (bulk inserts)."""
    if count <= 0:
        return []
    updated = Counter.objects.filter(store_id=store_id, name=name).update(value=F("value") + count)
    if not updated:
        Counter.objects.get_or_create(store_id=store_id, name=name, defaults={"value": 0})
        Counter.objects.filter(store_id=store_id, name=name).update(value=F("value") + count)
    last = Counter.objects.filter(store_id=store_id, name=name).values_list("value", flat=True).get()
    return list(range(last - count + 1, last + 1))


# --- Worker, scheduler and dead letters (ADR 0008) ---------------------------------------------


class SchedulerLease(models.Model):
    """Who may enqueue periodic jobs right now: taken and renewed with conditional UPDATEs."""

    name = models.CharField(max_length=40, primary_key=True)
    holder = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name}: {self.holder or '-'} until {self.expires_at:%H:%M:%S}"


class ScheduledJob(models.Model):
    """Per-job state, so a restart neither fires a due time twice nor forgets a job."""

    name = models.CharField(max_length=100, primary_key=True)
    spec = models.CharField(max_length=100)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_task_id = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.spec}) next {self.next_run_at:%Y-%m-%d %H:%M:%S}"


class ScheduledRun(models.Model):
    """One row per (job, due time) enqueued: the unique constraint makes a double enqueue impossible."""

    job = models.CharField(max_length=100)
    due_at = models.DateTimeField()
    enqueued_at = models.DateTimeField()
    enqueued_by = models.CharField(max_length=64, blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "due_at"], name="core_scheduledrun_job_due")]
        indexes = [models.Index(fields=["enqueued_at"], name="core_scheduledrun_enqueued")]

    def __str__(self) -> str:
        return f"{self.job}@{self.due_at:%Y-%m-%d %H:%M:%S}"


class WorkerHeartbeat(models.Model):
    """A running worker process; its tasks are re-queued when it stops beating (crash recovery)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=200, blank=True)
    pid = models.PositiveIntegerField(default=0)
    queues = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker_id} seen {self.seen_at:%H:%M:%S}"


class DeadLetterStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RETRIED = "retried", _("Retried")
    DISCARDED = "discarded", _("Discarded")


class DeadLetterQuerySet(models.QuerySet["DeadLetter"]):
    def visible_to(self, *, store_id: int, include_global: bool) -> DeadLetterQuerySet:
        """A store's own failures; global ones (no store) only for superusers."""
        scope = Q(store_id=store_id)
        if include_global:
            scope |= Q(store__isnull=True)
        return self.filter(scope)


class DeadLetter(models.Model):
    """A task that failed for good: what ran, with what, and why; admins retry or discard it."""

    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    task_path = models.CharField(max_length=300)
    queue_name = models.CharField(max_length=32, default="default")
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    exception_class = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    traceback = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=1)
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    # The task result that failed last; unique so a failure is never recorded twice.
    task_result_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    status = models.CharField(max_length=10, choices=DeadLetterStatus.choices, default=DeadLetterStatus.OPEN)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=200, blank=True)
    retry_task_id = models.CharField(max_length=64, blank=True)

    objects = DeadLetterQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["store", "status", "last_failed_at"], name="core_deadletter_store")]

    def __str__(self) -> str:
        return f"{self.task_path} ({self.status})"

    @property
    def task_name(self) -> str:
        return self.task_path.rsplit(".", 1)[-1]
