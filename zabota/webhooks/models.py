"""Outbound webhook subscriptions and their delivery log."""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from zabota.core.models import TimeStamped
from zabota.stores.models import Store


class WebhookEvent(models.TextChoices):
    CONVERSATION_CREATED = "conversation.created", "conversation.created"
    CONVERSATION_UPDATED = "conversation.updated", "conversation.updated"
    CONVERSATION_STATUS_CHANGED = "conversation.status_changed", "conversation.status_changed"
    CONVERSATION_SLA_WARNED = "conversation.sla_warned", "conversation.sla_warned"
    CONVERSATION_SLA_BREACHED = "conversation.sla_breached", "conversation.sla_breached"
    MESSAGE_CREATED = "message.created", "message.created"
    CUSTOMER_CREATED = "customer.created", "customer.created"
    CUSTOMER_MERGED = "customer.merged", "customer.merged"
    NOTIFICATION_CREATED = "notification.created", "notification.created"


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class SubscriptionQuerySet(models.QuerySet["WebhookSubscription"]):
    def for_store(self, store: Store | int) -> SubscriptionQuerySet:
        return self.filter(store=store)


class WebhookSubscription(TimeStamped):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="webhook_subscriptions")
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=80, default=_new_secret)
    is_active = models.BooleanField(_("active"), default=True)
    description = models.CharField(_("description"), max_length=200, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["store", "is_active"], name="wh_sub_store_active")]
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


class DeliveryQuerySet(models.QuerySet["WebhookDelivery"]):
    def for_store(self, store: Store | int) -> DeliveryQuerySet:
        return self.filter(store=store)


class WebhookDelivery(TimeStamped):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4)
    event = models.CharField(max_length=60)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.TextField(blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_id"], name="wh_delivery_sub_event")
        ]
        indexes = [
            models.Index(fields=["store", "subscription", "-created_at"], name="wh_delivery_store_sub"),
        ]
        ordering = ["-created_at", "-id"]
