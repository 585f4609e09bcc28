"""Service-target deadlines of a conversation, derived from its events and its SLA policy.

Rows are recomputed deterministically from the conversation's events whenever they change (never edited
by hand); the sweep only moves ``state`` forward in time (active -> warned -> breached) and records when.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zabota.conversations.models.conversation import Conversation
from zabota.stores.models import Store


class DeadlineKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    UPDATE = "update", _("Periodic update")
    RESOLUTION = "resolution", _("Resolution")
    QUEUE_WAIT = "queue_wait", _("Queue wait")


class DeadlineState(models.TextChoices):
    ACTIVE = "active", _("Active")
    WARNED = "warned", _("Warned")
    BREACHED = "breached", _("Breached")
    MET = "met", _("Met")
    PAUSED = "paused", _("Paused")


RUNNING_STATES = (DeadlineState.ACTIVE, DeadlineState.WARNED)


class DeadlineQuerySet(models.QuerySet["Deadline"]):
    def for_store(self, store: Store | int) -> DeadlineQuerySet:
        return self.filter(store=store)


class Deadline(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(_("target"), max_length=16, choices=DeadlineKind.choices)
    # Several cycles per kind: each customer message waiting for a reply opens a next-response cycle.
    seq = models.PositiveIntegerField(default=0)
    policy_id = models.PositiveIntegerField(null=True, blank=True)
    policy_name = models.CharField(max_length=120, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=DeadlineState.choices)
    target_minutes = models.PositiveIntegerField()
    business_time = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    # While paused (pending / on hold) there is no due time; ``remaining_minutes`` keeps what is left.
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    remaining_minutes = models.IntegerField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField()

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "kind", "seq"], name="deadline_conv_kind_seq")
        ]
        indexes = [
            models.Index(
                fields=["next_check_at"],
                name="deadline_next_check",
                # Running rows, and breached rows waiting for their admin escalation. A query with
                # ``next_check_at <= x`` implies the condition, so SQLite uses the index too.
                condition=Q(next_check_at__isnull=False),
            ),
            models.Index(fields=["store", "state", "due_at"], name="deadline_store_state_due"),
        ]
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind}#{self.seq} {self.state}"
