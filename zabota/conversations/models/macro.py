"""Macros (saved replies with actions) and conversation scripts (talk tracks)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zabota.conversations.models.conversation import Category
from zabota.core.models import TimeStamped
from zabota.stores.models import Agent, Store


class MacroQuerySet(models.QuerySet["Macro"]):
    def for_store(self, store: Store | int) -> MacroQuerySet:
        return self.filter(store=store)

    def active(self) -> MacroQuerySet:
        return self.filter(is_active=True)


class Macro(TimeStamped):
    """A saved reply with ``{customer.first_name}``-style placeholders and optional actions.

    ``actions`` is a dict: ``{"set_status": "pending", "add_tags": ["возврат"], "assign": "me" | agent_id,
    "set_priority": "high", "set_category": "return"}``.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="macros")
    name = models.CharField(_("name"), max_length=120)
    text = models.TextField(_("reply text"), blank=True)
    actions = models.JSONField(_("actions"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    usage_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = MacroQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="macro_store_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ScriptChannel(models.TextChoices):
    ANY = "any", _("Any channel")
    PHONE = "phone", _("Phone")
    CHAT = "chat", _("Chat")


class ScriptQuerySet(models.QuerySet["Script"]):
    def for_store(self, store: Store | int) -> ScriptQuerySet:
        return self.filter(store=store)

    def matching(self, *, category: str, channel: str) -> ScriptQuerySet:
        kind = "phone" if channel == "phone" else "chat"
        return self.filter(is_active=True, category=category, channel__in=["any", kind])


class Script(TimeStamped):
    """A step-by-step talk track for a category, shown beside the reply box."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="scripts")
    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    channel = models.CharField(
        _("channel"), max_length=8, choices=ScriptChannel.choices, default=ScriptChannel.ANY
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScriptQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["store", "category"], name="script_store_category")]
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name


class ScriptStep(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    script = models.ForeignKey(Script, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("what to say or do"))

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["script", "position"], name="script_step_position")]

    def __str__(self) -> str:
        return self.title
