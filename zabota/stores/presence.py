"""Agent presence: online / away / offline, set by the agent, kept fresh by page requests, aged by a job.

Routing only hands conversations to online agents, so presence must not stay "online" for someone who
closed the browser: every authenticated page request is a heartbeat (written at most once a minute), and
``age_presence`` (a periodic job) moves silent agents to away and later to offline. Presence set by the
job is marked automatic, and the next heartbeat brings the agent back online; presence the agent chose
stays until they change it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zabota.core import realtime
from zabota.core.errors import InvalidInput
from zabota.stores.actors import Actor
from zabota.stores.models import Agent, Presence
from zabota.stores.options import presence_options
from zabota.stores.permissions import Perm, require

HEARTBEAT_EVERY = timedelta(minutes=1)
PRESENCE_EVENT = "agent.presence"


@dataclass(frozen=True)
class PresenceChange:
    agent_id: int
    store_id: int
    presence: str
    automatic: bool


def _publish_after_commit(changes: list[PresenceChange]) -> None:
    if not changes:
        return

    def publish() -> None:
        for change in changes:
            realtime.publish(
                change.store_id,
                PRESENCE_EVENT,
                "agents",
                {"agent_id": change.agent_id, "presence": change.presence, "automatic": change.automatic},
            )

    transaction.on_commit(publish)


def set_presence(*, agent: Agent, presence: str, by: Actor) -> Agent:
    """An agent switches their own presence; an administrator may switch anyone's (e.g. to offline)."""
    if by.agent is not None and by.agent.pk == agent.pk:
        require(by, Perm.WORK_CONVERSATIONS, store=agent.store_id)
    else:
        require(by, Perm.MANAGE_TEAM, store=agent.store_id)
    if presence not in Presence.values:
        raise InvalidInput(
            _("Unknown presence “%(value)s”.") % {"value": str(presence)[:20]}, field="presence"
        )
    if not agent.is_active:
        raise InvalidInput(_("The agent is deactivated."), field="presence")
    now = timezone.now()
    changed = agent.presence != presence or agent.presence_auto
    with transaction.atomic():
        agent.presence = presence
        agent.presence_auto = False
        fields = ["presence", "presence_auto", "updated_at"]
        if by.agent is not None and by.agent.pk == agent.pk:
            agent.last_seen_at = now  # choosing a presence is activity
            fields.append("last_seen_at")
        agent.save(update_fields=fields)
        if changed:
            _publish_after_commit([PresenceChange(agent.pk, agent.store_id, presence, automatic=False)])
    return agent


def heartbeat(*, agent: Agent, now: datetime | None = None) -> bool:
    """Record that the agent is at the screen; returns whether anything was written.

    Writes at most once per ``HEARTBEAT_EVERY``; an agent the job moved away or offline comes back online.
    """
    now = now or timezone.now()
    seen = agent.last_seen_at
    comes_back = agent.presence_auto and agent.presence != Presence.ONLINE
    if not comes_back and seen is not None and now - seen < HEARTBEAT_EVERY:
        return False
    # one statement, no transaction of its own: page requests stay cheap
    if comes_back:
        updated = Agent.objects.filter(pk=agent.pk, presence_auto=True).update(
            last_seen_at=now, presence=Presence.ONLINE, presence_auto=False
        )
        if updated:
            agent.presence, agent.presence_auto = Presence.ONLINE, False
            _publish_after_commit([PresenceChange(agent.pk, agent.store_id, Presence.ONLINE, True)])
    else:
        Agent.objects.filter(pk=agent.pk).update(last_seen_at=now)
    agent.last_seen_at = now
    return True


def _aged(agent: Agent, now: datetime) -> str | None:
    """The presence a silent agent should have now, or None to leave them as they are."""
    options = presence_options(agent.store)
    silent = now - agent.last_seen_at if agent.last_seen_at is not None else None
    if silent is None or silent >= timedelta(minutes=options.offline_after_minutes):
        return Presence.OFFLINE
    if agent.presence == Presence.ONLINE and silent >= timedelta(minutes=options.away_after_minutes):
        return Presence.AWAY
    return None


def age_presence(*, now: datetime | None = None) -> int:
    """Move agents without a recent heartbeat to away, then offline; returns how many changed.

    Only agents silent for at least a heartbeat period are loaded, so the query stays small; each update
    is conditional on the row being unchanged, so a heartbeat that lands meanwhile wins.
    """
    now = now or timezone.now()
    candidates = (
        Agent.objects.filter(is_active=True, presence__in=[Presence.ONLINE, Presence.AWAY])
        .filter(Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=now - HEARTBEAT_EVERY))
        .select_related("store")
    )
    changes: list[PresenceChange] = []
    with transaction.atomic():
        for agent in candidates:
            target = _aged(agent, now)
            if target is None or target == agent.presence:
                continue
            updated = Agent.objects.filter(
                pk=agent.pk, presence=agent.presence, last_seen_at=agent.last_seen_at
            ).update(presence=target, presence_auto=True)
            if updated:
                changes.append(PresenceChange(agent.pk, agent.store_id, target, automatic=True))
        _publish_after_commit(changes)
    return len(changes)
