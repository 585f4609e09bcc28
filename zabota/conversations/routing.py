"""Routing: which online agent a conversation goes to, and the action that assigns it.

The rules, in order (``choose`` is the pure core, ``pick_agent`` loads its inputs):

1. Candidates are active, **online** agents of the conversation's store — of its team when it has one —
   with a free slot on the conversation's channel (open conversations of that channel, i.e. new / open /
   on hold, below ``Agent.capacity_for(channel)``) and the skill for its category (no skills = all).
2. Tier. An L2 conversation goes to L2 agents only. An L1 conversation, with ``l1_first`` on (the
   default), goes to L1 agents, and to L2 agents only when no L1 candidate has a free slot (overflow);
   with ``l1_first`` off every tier takes L1 conversations alike.
3. Sticky owner (on by default): a returning customer goes to the agent of their last assigned
   conversation when that agent is a candidate (online, free slot, skill, team). Continuity wins over
   L1 first: an L2 agent who helped the customer before gets their next L1 conversation too.
4. Mode: ``least_loaded`` takes the lowest load/capacity ratio (then fewer conversations, then the
   lower id); ``round_robin`` takes candidates in id order in turn, the turn being a per-store counter;
   ``manual`` assigns nothing automatically. The "Route now" button (an explicit request) routes even in
   manual mode, as least loaded.

Concurrency: the candidates' agent rows are locked (``SELECT … FOR UPDATE`` on PostgreSQL) before their
loads are counted, so two conversations routed at once queue up and cannot both take the last free
slot. SQLite serialises write transactions (``IMMEDIATE``), which gives the same outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from zabota.conversations.actions.properties import assign
from zabota.conversations.models import Conversation
from zabota.conversations.models.conversation import ACTIVE_STATUSES, OPEN_STATUSES
from zabota.core.errors import Conflict
from zabota.core.models import next_value
from zabota.stores.actors import Actor
from zabota.stores.models import Agent, Store, Tier
from zabota.stores.options import MODE_LEAST_LOADED, MODE_MANUAL, MODE_ROUND_ROBIN, routing_options
from zabota.stores.permissions import Perm, require

ROUND_ROBIN_COUNTER = "routing.round_robin"


@dataclass(frozen=True)
class Candidate:
    agent_id: int
    tier: str
    load: int
    capacity: int
    skills: tuple[str, ...] = ()

    @property
    def has_room(self) -> bool:
        return self.load < self.capacity

    def can_handle(self, category: str) -> bool:
        return not self.skills or category in self.skills


def choose(
    candidates: Sequence[Candidate],
    *,
    category: str,
    tier: str,
    mode: str,
    l1_first: bool = True,
    sticky_agent_id: int | None = None,
    turn: Callable[[], int] = lambda: 0,
) -> int | None:
    """The id of the agent to take the conversation, or None. ``turn`` is called only for round robin."""
    able = [c for c in candidates if c.has_room and c.can_handle(category)]
    if tier == Tier.L2:
        able = [c for c in able if c.tier == Tier.L2]
    if not able:
        return None
    if sticky_agent_id is not None and any(c.agent_id == sticky_agent_id for c in able):
        return sticky_agent_id
    pool = able
    if tier != Tier.L2 and l1_first:
        pool = [c for c in able if c.tier == Tier.L1] or able
    if mode == MODE_ROUND_ROBIN:
        ordered = sorted(pool, key=lambda c: c.agent_id)
        return ordered[turn() % len(ordered)].agent_id
    best = min(pool, key=lambda c: (c.load / c.capacity, c.load, c.agent_id))
    return best.agent_id


def _online_agents(conversation: Conversation, exclude: Iterable[int]) -> list[Agent]:
    agents = Agent.objects.online().filter(store_id=conversation.store_id).exclude(pk__in=list(exclude))
    if conversation.team_id is not None:
        agents = agents.filter(teams=conversation.team_id)
    return list(agents.select_for_update(of=("self",)).order_by("pk"))


def _loads(store_id: int, channel: str, agent_ids: list[int]) -> dict[int, int]:
    rows = (
        Conversation.objects.for_store(store_id)
        .filter(assignee_id__in=agent_ids, channel=channel, status__in=OPEN_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )
    return dict(rows)


def _previous_owner(conversation: Conversation) -> int | None:
    """The agent of the customer's most recent other conversation that had one."""
    owner: int | None = (
        Conversation.objects.for_store(conversation.store_id)
        .filter(customer_id=conversation.customer_id, assignee__isnull=False)
        .exclude(pk=conversation.pk)
        .order_by("-id")
        .values_list("assignee_id", flat=True)
        .first()
    )
    return owner


def pick_agent(conversation: Conversation, *, exclude: Iterable[int] = ()) -> Agent | None:
    """The agent routing would choose now (locking the candidates until the caller's transaction ends)."""
    store: Store = conversation.store
    options = routing_options(store)
    mode = MODE_LEAST_LOADED if options.mode == MODE_MANUAL else options.mode
    with transaction.atomic():
        agents = _online_agents(conversation, exclude)
        if not agents:
            return None
        loads = _loads(conversation.store_id, conversation.channel, [a.pk for a in agents])
        candidates = [
            Candidate(
                agent_id=a.pk,
                tier=a.tier,
                load=loads.get(a.pk, 0),
                capacity=a.capacity_for(conversation.channel),
                skills=tuple(a.skills or ()),
            )
            for a in agents
        ]
        if not any(c.has_room and c.can_handle(conversation.category) for c in candidates):
            return None
        chosen = choose(
            candidates,
            category=conversation.category,
            tier=conversation.tier,
            mode=mode,
            l1_first=options.l1_first,
            sticky_agent_id=_previous_owner(conversation) if options.sticky_owner else None,
            turn=lambda: next_value(store_id=conversation.store_id, name=ROUND_ROBIN_COUNTER),
        )
    return next((a for a in agents if a.pk == chosen), None)


def route(conversation: Conversation, by: Actor, *, automatic: bool = False) -> Agent | None:
    """Assign the conversation to the agent routing picks; returns that agent, or None when nobody fits.

    ``automatic`` is the call made when a conversation is opened: it does nothing in manual mode or when
    someone already owns the conversation. Otherwise (the "Route now" button) an assigned conversation is
    routed again to someone else, which needs the right to assign others unless one owns it.
    """
    require(by, Perm.WORK_CONVERSATIONS, store=conversation.store_id)
    if not automatic and conversation.assignee_id not in (None, by.agent_id):
        require(by, Perm.ASSIGN_OTHERS, store=conversation.store_id)
    if automatic and routing_options(conversation.store).mode == MODE_MANUAL:
        return None
    with transaction.atomic():
        current = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("store", "assignee")
            .get(pk=conversation.pk)
        )
        if current.merged_into_id is not None or current.status not in ACTIVE_STATUSES:
            if automatic:
                return None
            raise Conflict(_("Only an active conversation can be routed."), field="assignee")
        if automatic and current.assignee_id is not None:
            return None
        exclude = [current.assignee_id] if current.assignee_id is not None else []
        agent = pick_agent(current, exclude=exclude)
        if agent is None:
            return None
        assign(conversation=current, to=agent, by=Actor.system())
    conversation.assignee = agent
    return agent


def route_new(conversations: Sequence[Conversation]) -> int:
    """Route conversations just opened (single and batch inbound paths); returns how many were assigned.

    Costs nothing beyond one query when routing is manual or nobody of the store is online.
    """
    if not conversations:
        return 0
    store = conversations[0].store
    if routing_options(store).mode == MODE_MANUAL:
        return 0
    if not Agent.objects.online().filter(store=store).exists():
        return 0
    return sum(route(c, Actor.system(), automatic=True) is not None for c in conversations)
