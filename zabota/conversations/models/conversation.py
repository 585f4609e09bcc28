"""Conversations: one per customer problem, whatever the channel."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zabota.core.models import TimeStamped
from zabota.customers.models import Customer
from zabota.stores.models import Agent, Store, Team, Tier


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    CHAT = "chat", _("Chat")
    WEBFORM = "webform", _("Web form")
    TELEGRAM = "telegram", _("Telegram")
    VK = "vk", _("VK")
    WHATSAPP = "whatsapp", _("WhatsApp")
    VIBER = "viber", _("Viber")
    PHONE = "phone", _("Phone")
    API = "api", _("API")


class Category(models.TextChoices):
    TECHNICAL = "technical", _("Technical")
    PRODUCT = "product", _("Product")
    ORDER = "order", _("Order")
    DELIVERY = "delivery", _("Delivery")
    RETURN = "return", _("Return")
    PAYMENT = "payment", _("Payment")
    CONSULTATION = "consultation", _("Consultation")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    ON_HOLD = "on_hold", _("On hold")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.ON_HOLD)
ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class TagQuerySet(models.QuerySet["Tag"]):
    def for_store(self, store: Store | int) -> TagQuerySet:
        return self.filter(store=store)


class Tag(TimeStamped):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("name"), max_length=60)
    color = models.CharField(_("colour"), max_length=7, default="#64748b")

    objects = TagQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="conv_tag_store_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ConversationQuerySet(models.QuerySet["Conversation"]):
    def for_store(self, store: Store | int) -> ConversationQuerySet:
        return self.filter(store=store, merged_into__isnull=True)

    def open(self) -> ConversationQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def active(self) -> ConversationQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def assigned_to(self, agent: Agent | int) -> ConversationQuerySet:
        return self.filter(assignee=agent)

    def unassigned(self) -> ConversationQuerySet:
        return self.filter(assignee__isnull=True)

    def for_teams(self, team_ids: list[int]) -> ConversationQuerySet:
        return self.filter(team_id__in=team_ids)

    def with_status(self, *statuses: str) -> ConversationQuerySet:
        return self.filter(status__in=statuses)

    def waiting_longest_first(self) -> ConversationQuerySet:
        return self.order_by(models.F("waiting_since").asc(nulls_last=True), "-id")

    def search_text(self, q: str) -> ConversationQuerySet:
        q = q.strip()
        if q.isdigit():
            return self.filter(number=int(q))
        return self.filter(Q(subject__icontains=q) | Q(customer__name__icontains=q))


class Conversation(TimeStamped):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="conversations")
    number = models.PositiveIntegerField(_("number"))
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="conversations")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    category = models.CharField(
        _("category"), max_length=16, choices=Category.choices, default=Category.OTHER
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    assignee = models.ForeignKey(
        Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_conversations"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations"
    )
    tier = models.CharField(_("tier"), max_length=4, choices=Tier.choices, default=Tier.L1)
    tags = models.ManyToManyField(Tag, related_name="conversations", blank=True)
    external_thread_id = models.CharField(max_length=200, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    waiting_since = models.DateTimeField(
        null=True, blank=True, help_text="Since when the customer waits for an agent's answer."
    )
    transfer_count = models.PositiveIntegerField(default=0)
    message_count = models.PositiveIntegerField(default=0)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_conversations"
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        help_text="The closed conversation this one continues.",
    )

    objects = ConversationQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "number"], name="conv_store_number")]
        indexes = [
            models.Index(fields=["store", "status", "waiting_since"], name="conv_store_status_wait"),
            models.Index(fields=["store", "assignee", "status"], name="conv_store_assignee_status"),
            models.Index(fields=["store", "team", "status"], name="conv_store_team_status"),
            models.Index(fields=["store", "customer"], name="conv_store_customer"),
            models.Index(fields=["store", "channel", "external_thread_id"], name="conv_store_channel_thread"),
            models.Index(fields=["store", "-updated_at"], name="conv_store_updated"),
        ]
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES
