"""Notifications to agents, their preferences, and the email / Telegram deliveries of each one."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zabota.core.models import TimeStamped
from zabota.stores.models import Agent, Store


class Severity(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_store(self, store: Store | int) -> NotificationQuerySet:
        return self.filter(store=store)

    def for_agent(self, agent: Agent) -> NotificationQuerySet:
        """An agent's own notifications, always within the agent's store."""
        return self.filter(store_id=agent.store_id, agent=agent)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one agent. ``dedupe_key`` makes a retried sender harmless: one row per agent and key."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.INFO)
    payload = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(max_length=200)
    # Which ``notify`` call inserted the row: tells the caller's new rows from a concurrent caller's.
    batch = models.UUIDField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "dedupe_key"], name="notify_notification_agent_key")
        ]
        indexes = [
            models.Index(fields=["store", "agent", "-id"], name="notify_store_agent_id"),
            models.Index(
                fields=["store", "agent"], condition=Q(read_at__isnull=True), name="notify_store_agent_unread"
            ),
        ]
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(TimeStamped):
    """How one agent wants to be told. No row means the defaults: in the app only."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    agent = models.OneToOneField(Agent, on_delete=models.CASCADE, related_name="notification_preference")
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("by email"), default=False)
    telegram = models.BooleanField(_("in Telegram"), default=False)
    telegram_chat_id = models.CharField(_("Telegram chat id"), max_length=64, blank=True)
    # Kinds or kind prefixes ("sla" mutes "sla.warned" and "sla.breached").
    kinds_muted = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"preferences of agent {self.agent_id}"

    def mutes(self, kind: str) -> bool:
        return any(kind == muted or kind.startswith(muted + ".") for muted in self.kinds_muted)


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    TELEGRAM = "telegram", _("Telegram")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class NotificationDelivery(TimeStamped):
    """One notification sent through one outside channel; claimed with a conditional UPDATE before sending."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="notify_delivery_notif_channel")
        ]
        indexes = [models.Index(fields=["store", "status"], name="notify_delivery_store_status")]

    def __str__(self) -> str:
        return f"{self.channel} {self.status}"
