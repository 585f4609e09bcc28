"""Plain facts, policies and result rows of the deadline engine, and policy selection (re-exported by ``engine``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

FIRST_RESPONSE = "first_response"
NEXT_RESPONSE = "next_response"
UPDATE = "update"
RESOLUTION = "resolution"
QUEUE_WAIT = "queue_wait"

ACTIVE, WARNED, BREACHED, MET, PAUSED = "active", "warned", "breached", "met", "paused"

PAUSING_STATUSES = frozenset({"pending", "on_hold"})
ENDING_STATUSES = frozenset({"solved", "closed"})
QUEUE_CHANNELS = frozenset({"chat", "phone"})


@dataclass(frozen=True)
class MessageFact:
    """A public message: ``author`` is "customer", "agent", "bot" or "system"."""

    at: datetime
    author: str


@dataclass(frozen=True)
class ConversationFacts:
    channel: str
    category: str
    priority: str
    created_at: datetime
    customer_tags: tuple[str, ...] = ()
    team_id: int | None = None
    #: (when, new status), in time order; the status before the first change is "new".
    statuses: tuple[tuple[datetime, str], ...] = ()
    messages: tuple[MessageFact, ...] = ()
    #: when an agent became responsible (assignment, transfer or escalation to an agent).
    assignments: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class PolicySpec:
    id: int | None
    name: str
    channels: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    customer_tags: tuple[str, ...] = ()
    team_id: int | None = None
    calendar_id: int | None = None
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    update_minutes: int | None = None
    resolution_minutes: int | None = None
    first_response_business: bool = False
    next_response_business: bool = False
    update_business: bool = False
    resolution_business: bool = False
    queue_wait_seconds: int | None = None
    warn_percent: int = 75


@dataclass(frozen=True)
class SweepMarks:
    """What the stored row says the sweep saw, to carry over while the times stay the same."""

    state: str
    warn_at: datetime | None
    due_at: datetime | None
    warned_at: datetime | None
    breached_at: datetime | None
    met_at: datetime | None
    # A breached row keeps the time of its pending admin escalation (the sweep set it).
    next_check_at: datetime | None = None


@dataclass(frozen=True)
class DeadlineSpec:
    kind: str
    seq: int
    state: str
    target_minutes: int
    business_time: bool
    started_at: datetime
    due_at: datetime | None
    warn_at: datetime | None
    remaining_minutes: int | None
    next_check_at: datetime | None
    warned_at: datetime | None
    breached_at: datetime | None
    met_at: datetime | None
    policy_id: int | None
    policy_name: str

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.seq)


def matches(policy: PolicySpec, facts: ConversationFacts) -> bool:
    if policy.channels and facts.channel not in policy.channels:
        return False
    if policy.categories and facts.category not in policy.categories:
        return False
    if policy.priorities and facts.priority not in policy.priorities:
        return False
    if policy.team_id is not None and policy.team_id != facts.team_id:
        return False
    if policy.customer_tags:
        wanted = {t.casefold() for t in policy.customer_tags}
        if not wanted & {t.casefold() for t in facts.customer_tags}:
            return False
    return True


def select_policy(facts: ConversationFacts, policies: Iterable[PolicySpec]) -> PolicySpec | None:
    """The first policy (callers pass active ones, lowest position first) whose conditions all match."""
    return next((p for p in policies if matches(p, facts)), None)


# --- clocks -----------------------------------------------------------------------------------------
