"""Stores (tenants), their agents and teams, and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zabota.core.models import TimeStamped

if TYPE_CHECKING:
    from django.db.models import QuerySet


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


class Store(TimeStamped):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Moscow")
    locale = models.CharField(_("locale"), max_length=10, default="ru")
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    secret = models.CharField(max_length=64, default=_new_secret, editable=False)
    reopen_window_days = models.PositiveIntegerField(
        _("days a solved conversation can be reopened by a customer reply"), default=7
    )
    # Per-store settings of the parts that have a handful of knobs (routing, queue alerts, announcements);
    # each part reads its own key with typed defaults, so a missing key means "defaults".
    options = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    LEAD = "lead", _("Team lead")
    ADMIN = "admin", _("Administrator")


class Tier(models.TextChoices):
    L1 = "l1", _("L1")
    L2 = "l2", _("L2")


class TeamQuerySet(models.QuerySet["Team"]):
    def for_store(self, store: Store | int) -> TeamQuerySet:
        return self.filter(store=store)


class Team(TimeStamped):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="stores_team_store_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Presence(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class AgentQuerySet(models.QuerySet["Agent"]):
    def for_store(self, store: Store | int) -> AgentQuerySet:
        return self.filter(store=store)

    def active(self) -> AgentQuerySet:
        return self.filter(is_active=True)

    def online(self) -> AgentQuerySet:
        return self.filter(is_active=True, presence=Presence.ONLINE)


class Agent(TimeStamped):
    """A user's membership in one store: role, tier, teams, capacity."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="agents")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agents")
    display_name = models.CharField(_("display name"), max_length=120)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.AGENT)
    tier = models.CharField(_("tier"), max_length=4, choices=Tier.choices, default=Tier.L1)
    teams = models.ManyToManyField(Team, related_name="agents", blank=True)
    capacity = models.PositiveIntegerField(_("max concurrent chats"), default=5)
    photo_url = models.CharField(_("photo URL"), max_length=500, blank=True)
    signature = models.TextField(_("signature"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    presence = models.CharField(
        _("presence"), max_length=8, choices=Presence.choices, default=Presence.OFFLINE
    )
    # True when the presence job (not the agent) set the current presence: a heartbeat brings them back.
    presence_auto = models.BooleanField(default=False)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    skills = models.JSONField(_("skills (conversation categories)"), default=list, blank=True)
    channel_capacity = models.JSONField(_("capacity per channel"), default=dict, blank=True)

    objects = AgentQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "user"], name="stores_agent_store_user")]
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def first_name(self) -> str:
        return self.display_name.split(" ")[0]

    @property
    def is_lead(self) -> bool:
        return self.role in (Role.LEAD, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def capacity_for(self, channel: str) -> int:
        """How many open conversations of ``channel`` the agent takes at once (``capacity`` by default)."""
        value = (self.channel_capacity or {}).get(channel)
        return value if isinstance(value, int) and not isinstance(value, bool) else self.capacity

    def has_skill(self, category: str) -> bool:
        """An agent without skills takes every category."""
        return not self.skills or category in self.skills


class Scope(models.TextChoices):
    CONVERSATIONS_READ = "conversations:read", "conversations:read"
    CONVERSATIONS_WRITE = "conversations:write", "conversations:write"
    CUSTOMERS_READ = "customers:read", "customers:read"
    CUSTOMERS_WRITE = "customers:write", "customers:write"
    INBOUND_WRITE = "inbound:write", "inbound:write"
    DIRECTORY_READ = "directory:read", "directory:read"
    MACROS_READ = "macros:read", "macros:read"
    WEBHOOKS_MANAGE = "webhooks:manage", "webhooks:manage"


ALL_SCOPES: tuple[str, ...] = tuple(s.value for s in Scope)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def for_store(self, store: Store | int) -> ApiTokenQuerySet:
        return self.filter(store=store)

    def usable(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(TimeStamped):
    """A bearer token for the REST API: an agent's personal one, or an integration's (agent is null)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=120)
    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, null=True, blank=True, related_name="api_tokens"
    )
    scopes = models.JSONField(default=list)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["store", "created_at"], name="stores_token_store_created")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


def agents_of(store: Store) -> QuerySet[Agent]:
    return Agent.objects.for_store(store).active()
