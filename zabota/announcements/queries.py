"""Reads: what an agent sees, what blocks a reply, who the audience is, and the store's setting."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from zabota.announcements.models import Announcement, AnnouncementQuerySet, Audience
from zabota.stores.models import Agent, Store

DEFAULT_OPTIONS: dict[str, Any] = {"must_read_blocks_reply": True}


def options_of(store: Store) -> dict[str, Any]:
    """``Store.options["announcements"]`` with defaults for missing or malformed keys."""
    raw = store.options.get("announcements") if isinstance(store.options, dict) else None
    options = dict(DEFAULT_OPTIONS)
    if isinstance(raw, dict) and isinstance(raw.get("must_read_blocks_reply"), bool):
        options["must_read_blocks_reply"] = raw["must_read_blocks_reply"]
    return options


def must_read_blocks_reply(store: Store) -> bool:
    return bool(options_of(store)["must_read_blocks_reply"])


def visible_to(agent: Agent) -> AnnouncementQuerySet:
    """Active announcements addressed to the agent, newest first."""
    return Announcement.objects.active().for_audience_of(agent).order_by("-starts_at", "-id")


def unread_for(agent: Agent) -> list[Announcement]:
    return list(visible_to(agent).not_read_by(agent))


def must_read_pending(agent: Agent) -> list[Announcement]:
    """Must-read announcements the agent has not acknowledged yet: they block replies (if the store says so)."""
    return list(visible_to(agent).filter(must_read=True).not_acknowledged_by(agent))


def banner_for(agent: Agent) -> list[Announcement]:
    """What the banner shows: unread ones, and must-read ones read but not acknowledged yet."""
    unread = visible_to(agent).not_read_by(agent)
    unacknowledged = visible_to(agent).filter(must_read=True).not_acknowledged_by(agent)
    return list(
        visible_to(agent).filter(Q(pk__in=unread.values("pk")) | Q(pk__in=unacknowledged.values("pk")))
    )


def audience_of(announcement: Announcement) -> QuerySet[Agent]:
    """Active agents the announcement is addressed to."""
    agents = Agent.objects.for_store(announcement.store_id).active()
    if announcement.audience == Audience.TEAMS:
        agents = agents.filter(teams__in=announcement.teams.all()).distinct()
    return agents.order_by("display_name", "pk")
