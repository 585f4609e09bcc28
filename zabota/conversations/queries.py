"""Reads behind the agent inbox: views (Mine, Unassigned…), filters, sorting and counts.

Kept apart from the views so that the API and tests can ask the same questions and so that the
query count of the list stays visible in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Min, Prefetch, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zabota.conversations.models import (
    Category,
    Channel,
    Conversation,
    ConversationQuerySet,
    Deadline,
    Priority,
    Status,
)
from zabota.conversations.models.conversation import OPEN_STATUSES
from zabota.stores.models import Agent

VIEW_MINE = "mine"
VIEW_UNASSIGNED = "unassigned"
VIEW_TEAM = "team"
VIEW_OPEN = "open"
VIEW_PENDING = "pending"
VIEW_SOLVED = "solved"

VIEWS: list[tuple[str, Any]] = [
    (VIEW_MINE, _("Mine")),
    (VIEW_UNASSIGNED, _("Unassigned")),
    (VIEW_TEAM, _("My team")),
    (VIEW_OPEN, _("All open")),
    (VIEW_PENDING, pgettext_lazy("inbox view", "Pending")),
    (VIEW_SOLVED, pgettext_lazy("inbox view", "Solved")),
]
VIEW_NAMES = {key for key, _label in VIEWS}

SORT_WAITING = "waiting"
SORT_NEWEST = "newest"
SORT_UPDATED = "updated"
SORT_DUE = "due"
SORTS: list[tuple[str, Any]] = [
    (SORT_WAITING, _("Waiting longest")),
    (SORT_DUE, _("Due soonest")),
    (SORT_NEWEST, _("Newest")),
    (SORT_UPDATED, _("Recently updated")),
]
SORT_NAMES = {key for key, _label in SORTS}


def view_condition(view: str, agent: Agent, team_ids: list[int]) -> Q:
    """The filter of one inbox view, as a ``Q`` so counts can reuse it in one aggregate."""
    open_q = Q(status__in=OPEN_STATUSES)
    if view == VIEW_MINE:
        return open_q & Q(assignee=agent)
    if view == VIEW_UNASSIGNED:
        return open_q & Q(assignee__isnull=True)
    if view == VIEW_TEAM:
        return open_q & Q(team_id__in=team_ids)
    if view == VIEW_PENDING:
        return Q(status=Status.PENDING)
    if view == VIEW_SOLVED:
        return Q(status=Status.SOLVED)
    return open_q


def agent_team_ids(agent: Agent) -> list[int]:
    return list(agent.teams.values_list("id", flat=True))


def view_counts(agent: Agent, team_ids: list[int]) -> dict[str, int]:
    """Counts of every view in a single query."""
    base = Conversation.objects.for_store(agent.store_id)
    aggregates = {key: Count("id", filter=view_condition(key, agent, team_ids)) for key, _label in VIEWS}
    return {key: int(value or 0) for key, value in base.aggregate(**aggregates).items()}


@dataclass
class InboxFilters:
    """Parsed GET parameters; unknown values are dropped rather than failing the page."""

    view: str = VIEW_MINE
    channel: str = ""
    category: str = ""
    status: str = ""
    priority: str = ""
    tag: str = ""
    assignee: str = ""
    sort: str = SORT_WAITING
    q: str = ""

    @classmethod
    def from_params(cls, params: Any) -> InboxFilters:
        def choice(name: str, allowed: set[str] | list[str], default: str = "") -> str:
            value = str(params.get(name, "") or "").strip()
            return value if value in allowed else default

        assignee = str(params.get("assignee", "") or "").strip()
        if assignee not in ("", "none") and not assignee.isdigit():
            assignee = ""
        return cls(
            view=choice("view", VIEW_NAMES, VIEW_MINE),
            channel=choice("channel", Channel.values),
            category=choice("category", Category.values),
            status=choice("status", Status.values),
            priority=choice("priority", Priority.values),
            tag=str(params.get("tag", "") or "").strip()[:60],
            assignee=assignee,
            sort=choice("sort", SORT_NAMES, SORT_WAITING),
            q=str(params.get("q", "") or "").strip()[:100],
        )

    def as_params(self, **overrides: str) -> dict[str, str]:
        """Non-empty parameters, for links that keep the current filters."""
        values = {
            "view": self.view,
            "channel": self.channel,
            "category": self.category,
            "status": self.status,
            "priority": self.priority,
            "tag": self.tag,
            "assignee": self.assignee,
            "sort": self.sort,
            "q": self.q,
        }
        values.update(overrides)
        return {k: v for k, v in values.items() if v}


def inbox_queryset(agent: Agent, filters: InboxFilters, team_ids: list[int]) -> ConversationQuerySet:
    """The conversations of the chosen view and filters, with everything a row shows preloaded."""
    qs = Conversation.objects.for_store(agent.store_id).filter(view_condition(filters.view, agent, team_ids))
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.tag:
        qs = qs.filter(tags__name=filters.tag)
    if filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee:
        qs = qs.filter(assignee_id=int(filters.assignee))
    if filters.q:
        qs = qs.search_text(filters.q)
    if filters.sort == SORT_NEWEST:
        qs = qs.order_by("-created_at", "-id")
    elif filters.sort == SORT_UPDATED:
        qs = qs.order_by("-updated_at", "-id")
    elif filters.sort == SORT_DUE:
        running = Q(deadlines__state__in=["active", "warned", "breached"])
        qs = qs.annotate(next_due=Min("deadlines__due_at", filter=running)).order_by(
            F("next_due").asc(nulls_last=True), F("waiting_since").asc(nulls_last=True), "-id"
        )
    else:
        qs = qs.order_by(F("waiting_since").asc(nulls_last=True), "-updated_at", "-id")
    shown = Deadline.objects.filter(state__in=["active", "warned", "breached", "paused"])
    return qs.select_related("customer", "assignee", "team").prefetch_related(
        "tags", Prefetch("deadlines", queryset=shown, to_attr="open_deadlines")
    )
