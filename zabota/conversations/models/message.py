"""Messages of a conversation (inbound, outbound, internal notes) and their attachments."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zabota.conversations.models.conversation import Conversation
from zabota.stores.models import Agent, Store


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")
    NOTE = "note", _("Internal note")


class AuthorKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    BOT = "bot", _("Bot")
    SYSTEM = "system", _("System")


class DeliveryStatus(models.TextChoices):
    NONE = "", "—"
    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")
    BOUNCED = "bounced", _("bounced")


class MessageQuerySet(models.QuerySet["Message"]):
    def for_store(self, store: Store | int) -> MessageQuerySet:
        return self.filter(store=store)

    def with_external_ids(
        self, store: Store | int, channels: set[str], external_ids: set[str]
    ) -> MessageQuerySet:
        """Lookup by channel ids; the ``<> ''`` condition lets PostgreSQL use the partial unique index."""
        return self.filter(store=store, channel__in=channels, external_id__in=external_ids).exclude(
            external_id=""
        )

    def public(self) -> MessageQuerySet:
        return self.exclude(direction=Direction.NOTE)


class Message(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    author_kind = models.CharField(max_length=10, choices=AuthorKind.choices)
    author_agent = models.ForeignKey(
        Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_label = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)
    html = models.TextField(blank=True, help_text="Sanitized HTML body, if the channel has one.")
    channel = models.CharField(max_length=16)
    external_id = models.CharField(max_length=200, blank=True)
    delivery_status = models.CharField(max_length=10, choices=DeliveryStatus.choices, blank=True, default="")
    delivery_error = models.TextField(blank=True)
    meta = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=False)

    objects = MessageQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="msg_store_channel_external",
            )
        ]
        indexes = [
            models.Index(fields=["store", "conversation", "created_at"], name="msg_store_conv_created"),
            models.Index(fields=["store", "created_at"], name="msg_store_created"),
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.direction} #{self.pk}"

    @property
    def is_note(self) -> bool:
        return self.direction == Direction.NOTE


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.store_id}/{instance.message.conversation_id}/{filename}"


class Attachment(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=500)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    inline_cid = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["store", "message"], name="att_store_message")]

    def __str__(self) -> str:
        return self.filename
