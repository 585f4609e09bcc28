"""Base models shared by every app, and the store-wide counters."""

from __future__ import annotations

from django.db import models
from django.db.models import F


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
