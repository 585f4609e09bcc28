"""The timeline and the audit log of a conversation: the same rows."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zabota.conversations.models.conversation import Conversation
from zabota.stores.models import Agent, Store


class EventType(models.TextChoices):
    CREATED = "created", _("created")
    MESSAGE_RECEIVED = "message_received", _("message received")
    REPLIED = "replied", _("replied")
    NOTE_ADDED = "note_added", _("note added")
    ASSIGNED = "assigned", _("assigned")
    TEAM_CHANGED = "team_changed", _("team changed")
    TRANSFERRED = "transferred", _("transferred")
    ESCALATED = "escalated", _("escalated")
    STATUS_CHANGED = "status_changed", _("status changed")
    PRIORITY_CHANGED = "priority_changed", _("priority changed")
    CATEGORY_CHANGED = "category_changed", _("category changed")
    SUBJECT_CHANGED = "subject_changed", _("subject changed")
    TAGS_CHANGED = "tags_changed", _("tags changed")
    MACRO_APPLIED = "macro_applied", _("macro applied")
    MERGED_INTO = "merged_into", _("merged into another conversation")
    MERGED_FROM = "merged_from", _("another conversation merged in")
    CUSTOMER_CHANGED = "customer_changed", _("customer changed")
    REOPENED = "reopened", _("reopened")
    DELIVERY_CHANGED = "delivery_changed", _("delivery status changed")
    SLA_WARNED = "sla_warned", _("service target at risk")
    SLA_BREACHED = "sla_breached", _("service target breached")


class EventQuerySet(models.QuerySet["ConversationEvent"]):
    def for_store(self, store: Store | int) -> EventQuerySet:
        return self.filter(store=store)


class ConversationEvent(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=24, choices=EventType.choices)
    actor_kind = models.CharField(max_length=12)
    actor_agent = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_label = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    objects = EventQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["store", "conversation", "at"], name="event_store_conv_at")]
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.type} @ {self.at:%Y-%m-%d %H:%M}"
