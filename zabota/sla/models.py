"""Service-target configuration: business calendars and SLA policies (the deadlines live in conversations)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zabota.core.models import TimeStamped
from zabota.stores.models import Store, Team

if TYPE_CHECKING:
    from zabota.sla.deadlines import Calendar
    from zabota.sla.engine import PolicySpec

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class BusinessCalendarQuerySet(models.QuerySet["BusinessCalendar"]):
    def for_store(self, store: Store | int) -> BusinessCalendarQuerySet:
        return self.filter(store=store)


class BusinessCalendar(TimeStamped):
    """Working hours per weekday (several intervals, shifts past midnight), holidays and moved workdays.

    ``team`` null is the store's default calendar (one per store); a team has at most one of its own.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Moscow")
    week = models.JSONField(default=dict, blank=True)
    holidays = models.JSONField(default=list, blank=True)
    workdays = models.JSONField(default=list, blank=True)
    # pre-holiday days that end an hour earlier (the Russian production calendar marks them)
    shortened = models.JSONField(default=list, blank=True)

    objects = BusinessCalendarQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store"], condition=Q(team__isnull=True), name="sla_calendar_store_default"
            ),
            models.UniqueConstraint(
                fields=["store", "team"], condition=Q(team__isnull=False), name="sla_calendar_store_team"
            ),
        ]
        indexes = [models.Index(fields=["store", "team"], name="sla_calendar_store_team_idx")]
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def as_dict(self) -> dict[str, object]:
        return {
            "timezone": self.timezone,
            "week": self.week,
            "holidays": self.holidays,
            "workdays": self.workdays,
            "shortened": self.shortened,
        }

    def to_calendar(self) -> Calendar:
        from zabota.sla.deadlines import Calendar

        return Calendar.from_dict(self.as_dict())


class PolicyQuerySet(models.QuerySet["Policy"]):
    def for_store(self, store: Store | int) -> PolicyQuerySet:
        return self.filter(store=store)

    def active(self) -> PolicyQuerySet:
        return self.filter(is_active=True)

    def in_order(self) -> PolicyQuerySet:
        return self.order_by("position", "id")


class Policy(TimeStamped):
    """Conditions that select the policy (all must match; an empty list is “any”) and its targets."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    channels = models.JSONField(default=list, blank=True)
    categories = models.JSONField(default=list, blank=True)
    priorities = models.JSONField(default=list, blank=True)
    customer_tags = models.JSONField(default=list, blank=True)
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.SET_NULL, null=True, blank=True, related_name="policies"
    )
    first_response_minutes = models.PositiveIntegerField(_("first response, minutes"), null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(_("next response, minutes"), null=True, blank=True)
    update_minutes = models.PositiveIntegerField(_("periodic update, minutes"), null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(_("resolution, minutes"), null=True, blank=True)
    first_response_business = models.BooleanField(_("first response in business time"), default=False)
    next_response_business = models.BooleanField(_("next response in business time"), default=False)
    update_business = models.BooleanField(_("periodic update in business time"), default=False)
    resolution_business = models.BooleanField(_("resolution in business time"), default=False)
    queue_wait_seconds = models.PositiveIntegerField(_("maximum queue wait, seconds"), null=True, blank=True)
    warn_percent = models.PositiveSmallIntegerField(_("warn at (percent of the target)"), default=75)
    breach_raise_priority = models.BooleanField(_("raise the priority on breach"), default=False)
    breach_reassign = models.BooleanField(_("reassign on breach"), default=False)
    breach_escalate_l2 = models.BooleanField(_("escalate to L2 on breach"), default=False)
    escalate_admin_after_minutes = models.PositiveIntegerField(
        _("notify administrators this many minutes after a breach"), null=True, blank=True
    )

    objects = PolicyQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["store", "position"], name="sla_policy_store_position")]
        ordering = ["position", "id"]
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.name

    def spec(self) -> PolicySpec:
        """The plain value the pure engine works on."""
        from zabota.sla.engine import PolicySpec

        return PolicySpec(
            id=self.pk,
            name=self.name,
            channels=tuple(self.channels or ()),
            categories=tuple(self.categories or ()),
            priorities=tuple(self.priorities or ()),
            customer_tags=tuple(self.customer_tags or ()),
            team_id=self.team_id,
            calendar_id=self.calendar_id,
            first_response_minutes=self.first_response_minutes,
            next_response_minutes=self.next_response_minutes,
            update_minutes=self.update_minutes,
            resolution_minutes=self.resolution_minutes,
            first_response_business=self.first_response_business,
            next_response_business=self.next_response_business,
            update_business=self.update_business,
            resolution_business=self.resolution_business,
            queue_wait_seconds=self.queue_wait_seconds,
            warn_percent=self.warn_percent,
        )
