"""Live operations board (``/board/``) and the "Route now" button.

The board answers "how are we doing right now" per channel — queue, waiting, oldest wait, share of
service targets met today, breaches — and shows agents with presence and load. It is read with a fixed
number of aggregate queries whatever the data size (a test holds the bound) and refreshes itself with an
htmx poll every 10 s. Leads and administrators see the whole store; an agent who belongs to teams sees
the conversations of those teams and those without a team.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.db.models import Count, Min, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zabota.conversations.models import Channel, Conversation, Deadline
from zabota.conversations.models.conversation import ACTIVE_STATUSES, OPEN_STATUSES
from zabota.conversations.models.deadline import DeadlineState
from zabota.conversations.routing import route
from zabota.conversations.views.conversation import actor_of, current_agent, get_conversation, render_update
from zabota.core.views import agent_required
from zabota.stores.models import Agent, Presence, Store
from zabota.stores.options import routing_options

BOARD_TEMPLATE = "conversations/board.html"
BOARD_PARTIAL = "conversations/_board.html"
POLL_SECONDS = 10
BREACHES_SHOWN = 50


@dataclass
class ChannelRow:
    channel: str
    label: str
    queue: int = 0
    waiting: int = 0
    oldest_waiting_since: datetime | None = None
    oldest_waiting: str = ""
    decided_today: int = 0
    within_target_today: int = 0
    breaches: list[Deadline] = field(default_factory=list)

    @property
    def within_target_percent(self) -> int | None:
        if not self.decided_today:
            return None
        return round(100 * self.within_target_today / self.decided_today)


@dataclass
class AgentRow:
    agent: Agent
    loads: list[tuple[str, int, int]]  # (channel label, open conversations, capacity)
    total: int


def age_label(since: datetime, now: datetime) -> str:
    """“45 s”, “12 min”, “3 h”, “2 d”: how long ago ``since`` was."""
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 60:
        return _("%(n)d s") % {"n": seconds}
    if seconds < 3600:
        return _("%(n)d min") % {"n": seconds // 60}
    if seconds < 86400:
        return _("%(n)d h") % {"n": seconds // 3600}
    return _("%(n)d d") % {"n": seconds // 86400}


def start_of_today(store: Store, now: datetime) -> datetime:
    """Midnight in the store's time zone, as an aware datetime."""
    try:
        zone = ZoneInfo(store.timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _team_scope(agent: Agent) -> list[int] | None:
    """Teams whose conversations the viewer's numbers count: None (everything) for leads and teamless agents."""
    if agent.is_lead:
        return None
    return list(agent.teams.values_list("id", flat=True)) or None


def _in_scope(team_ids: list[int] | None, prefix: str = "") -> Q:
    if team_ids is None:
        return Q()
    return Q(**{f"{prefix}team_id__in": team_ids}) | Q(**{f"{prefix}team__isnull": True})


def board_context(agent: Agent, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything the board shows, in six queries (one more for an agent's teams)."""
    now = now or timezone.now()
    store: Store = agent.store
    team_ids = _team_scope(agent)
    scope = _in_scope(team_ids)
    rows = {value: ChannelRow(channel=value, label=str(label)) for value, label in Channel.choices}

    queue_stats = (
        Conversation.objects.for_store(store)
        .filter(scope, status__in=ACTIVE_STATUSES)
        .values("channel")
        .annotate(
            queue=Count("id", filter=Q(assignee__isnull=True)),
            waiting=Count("id", filter=Q(waiting_since__isnull=False)),
            oldest=Min("waiting_since"),
        )
    )
    for stat in queue_stats:
        row = rows[stat["channel"]]
        row.queue, row.waiting, row.oldest_waiting_since = stat["queue"], stat["waiting"], stat["oldest"]
        row.oldest_waiting = age_label(stat["oldest"], now) if stat["oldest"] else ""

    today = start_of_today(store, now)
    deadline_scope = _in_scope(team_ids, "conversation__")
    outcome_stats = (
        Deadline.objects.for_store(store)
        .filter(deadline_scope)
        .filter(Q(met_at__gte=today) | Q(breached_at__gte=today))
        .values("conversation__channel")
        .annotate(
            decided=Count("id"),
            within=Count("id", filter=Q(met_at__gte=today, breached_at__isnull=True)),
        )
    )
    for stat in outcome_stats:
        row = rows[stat["conversation__channel"]]
        row.decided_today, row.within_target_today = stat["decided"], stat["within"]

    breaches = list(
        Deadline.objects.for_store(store)
        .filter(deadline_scope, state=DeadlineState.BREACHED)
        .filter(conversation__merged_into__isnull=True, conversation__status__in=ACTIVE_STATUSES)
        .select_related("conversation", "conversation__assignee")
        .order_by("due_at", "id")[:BREACHES_SHOWN]
    )
    for deadline in breaches:
        deadline.overdue = age_label(deadline.due_at, now) if deadline.due_at else ""  # type: ignore[attr-defined]
        rows[deadline.conversation.channel].breaches.append(deadline)

    agents = list(Agent.objects.for_store(store).active().order_by("display_name", "pk"))
    loads: dict[int, dict[str, int]] = {}
    load_rows = (
        Conversation.objects.for_store(store)
        .filter(assignee__isnull=False, status__in=OPEN_STATUSES)
        .values("assignee_id", "channel")
        .annotate(n=Count("id"))
    )
    for load in load_rows:
        loads.setdefault(load["assignee_id"], {})[load["channel"]] = load["n"]
    agent_rows = []
    for member in agents:
        mine = loads.get(member.pk, {})
        agent_rows.append(
            AgentRow(
                agent=member,
                loads=[(rows[c].label, n, member.capacity_for(c)) for c, n in sorted(mine.items())],
                total=sum(mine.values()),
            )
        )
    presence_order: dict[str, int] = {Presence.ONLINE: 0, Presence.AWAY: 1, Presence.OFFLINE: 2}
    agent_rows.sort(key=lambda r: (presence_order.get(r.agent.presence, 3), r.agent.display_name))

    shown = [r for r in rows.values() if r.queue or r.waiting or r.decided_today or r.breaches]
    return {
        "channels": shown,
        "agent_rows": agent_rows,
        "online": sum(1 for a in agents if a.presence == Presence.ONLINE),
        "breach_count": len(breaches),
        "breaches_capped": len(breaches) == BREACHES_SHOWN,
        "routing": routing_options(store),
        "now": now,
        "poll_seconds": POLL_SECONDS,
        "whole_store": team_ids is None,
    }


@require_GET
@agent_required
def board(request: HttpRequest) -> HttpResponse:
    context = board_context(current_agent(request))
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, BOARD_PARTIAL, context)
    return render(request, BOARD_TEMPLATE, context)


@require_POST
@agent_required
def route_now(request: HttpRequest, number: int) -> HttpResponse:
    """Let routing pick an agent now; a hand-picked assignee is always possible on the same page."""
    conversation = get_conversation(request, number)
    agent = route(conversation, actor_of(request))
    if agent is None:
        message = _("Nobody online has room for this conversation; it stays where it is.")
    else:
        message = _("Routed to %(name)s.") % {"name": agent.display_name}
    back = str(request.POST.get("next", ""))
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        # from the inbox list: a plain form post that returns to the same list
        messages.info(request, message)
        return redirect(back)
    return render_update(request, number, message=message)
