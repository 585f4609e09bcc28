"""Announcements for agents and who has read or acknowledged them."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zabota.core.models import TimeStamped
from zabota.stores.models import Agent, Store, Team


class Kind(models.TextChoices):
    SITE_CHANGE = "site_change", _("Site change")
    NEW_PRODUCT = "new_product", _("New product")
    DELAY = "delay", _("Delay")
    OUTAGE = "outage", _("Outage")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    TEAMS = "teams", _("Chosen teams")


class Phase(models.TextChoices):
    """Where an announcement is in its life, derived from its dates (never stored)."""

    ACTIVE = "active", pgettext_lazy("announcements", "Active")
    SCHEDULED = "scheduled", _("Scheduled")
    ENDED = "ended", _("Ended")
    ARCHIVED = "archived", _("Archived")


class AnnouncementQuerySet(models.QuerySet["Announcement"]):
    def for_store(self, store: Store | int) -> AnnouncementQuerySet:
        return self.filter(store=store)

    def active(self, now: datetime | None = None) -> AnnouncementQuerySet:
        now = now or timezone.now()
        return self.filter(archived_at__isnull=True, starts_at__lte=now).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=now)
        )

    def scheduled(self, now: datetime | None = None) -> AnnouncementQuerySet:
        return self.filter(archived_at__isnull=True, starts_at__gt=now or timezone.now())

    def finished(self, now: datetime | None = None) -> AnnouncementQuerySet:
        """Archived by hand or past their end."""
        return self.filter(Q(archived_at__isnull=False) | Q(ends_at__lte=now or timezone.now()))

    def for_audience_of(self, agent: Agent) -> AnnouncementQuerySet:
        """Those addressed to everyone or to one of the agent's teams (no duplicates)."""
        in_team = Announcement.teams.through.objects.filter(
            announcement_id=OuterRef("pk"), team__agents=agent
        )
        return self.filter(store_id=agent.store_id).filter(Q(audience=Audience.EVERYONE) | Exists(in_team))

    def read_by(self, agent: Agent) -> AnnouncementQuerySet:
        return self.filter(Exists(_receipts(agent).filter(read_at__isnull=False)))

    def not_read_by(self, agent: Agent) -> AnnouncementQuerySet:
        return self.exclude(Exists(_receipts(agent).filter(read_at__isnull=False)))

    def not_acknowledged_by(self, agent: Agent) -> AnnouncementQuerySet:
        return self.exclude(Exists(_receipts(agent).filter(acknowledged_at__isnull=False)))


def _receipts(agent: Agent) -> models.QuerySet[Acknowledgement]:
    return Acknowledgement.objects.filter(announcement_id=OuterRef("pk"), agent_id=agent.pk)


class Announcement(TimeStamped):
    """A message from leads to agents, valid from ``starts_at`` until ``ends_at`` or archiving.

    An incident (``is_incident``) is also shown to customers by the bot and the widget, with
    ``public_text`` only: the title and the body are internal.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="announcements")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.INFO)
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.EVERYONE
    )
    teams = models.ManyToManyField(Team, related_name="announcements", blank=True)
    must_read = models.BooleanField(_("must read"), default=False)
    starts_at = models.DateTimeField(_("shown from"))
    ends_at = models.DateTimeField(_("shown until"), null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    is_incident = models.BooleanField(_("incident shown to customers"), default=False)
    public_text = models.TextField(_("text for customers"), blank=True)
    created_by = models.ForeignKey(
        Agent, on_delete=models.SET_NULL, null=True, blank=True, related_name="announcements_created"
    )
    # When the audience was told (at publication, or by the worker once a scheduled one starts).
    notified_at = models.DateTimeField(null=True, blank=True)

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["store", "archived_at", "starts_at"], name="ann_store_live"),
            models.Index(
                fields=["store", "starts_at"],
                name="ann_store_incident",
                condition=Q(is_incident=True, archived_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def phase(self, now: datetime | None = None) -> Phase:
        now = now or timezone.now()
        if self.archived_at is not None:
            return Phase.ARCHIVED
        if self.starts_at > now:
            return Phase.SCHEDULED
        if self.ends_at is not None and self.ends_at <= now:
            return Phase.ENDED
        return Phase.ACTIVE

    @property
    def is_active(self) -> bool:
        return self.phase() == Phase.ACTIVE


class Acknowledgement(models.Model):
    """One agent's receipt of one announcement: when it was read and, for must-read ones, acknowledged."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="receipts")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="announcement_receipts")
    read_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["announcement", "agent"], name="ann_receipt_announcement_agent")
        ]
        indexes = [models.Index(fields=["store", "agent"], name="ann_receipt_store_agent")]

    def __str__(self) -> str:
        return f"{self.announcement_id}:{self.agent_id}"
