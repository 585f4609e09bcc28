"""Raw inbound payloads, stored before processing so that nothing is lost."""

from __future__ import annotations

from django.db import models

from zabota.stores.models import Store


class InboundStatus(models.TextChoices):
    RECEIVED = "received", "received"
    PROCESSED = "processed", "processed"
    FAILED = "failed", "failed"


class InboundRecordQuerySet(models.QuerySet["InboundRecord"]):
    def for_store(self, store: Store | int) -> InboundRecordQuerySet:
        return self.filter(store=store)


class InboundRecord(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16)
    idempotency_key = models.CharField(max_length=200)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=InboundStatus.choices, default=InboundStatus.RECEIVED)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    message_id = models.BigIntegerField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = InboundRecordQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "channel", "idempotency_key"], name="inbound_store_channel_key"
            )
        ]
        indexes = [models.Index(fields=["store", "status", "received_at"], name="inbound_store_status")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.idempotency_key}"
