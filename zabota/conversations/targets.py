"""Glue between conversations and the pure SLA engine: facts in, ``Deadline`` rows out (ADR 0010).

``refresh_targets`` is called inside the transaction of every action that changes something a target
depends on (messages, status, priority, category, team, assignment, merges, customer tags). It reads the
timeline from ``ConversationEvent`` rows (messages are events too, so no message query is needed unless
a merge moved messages in), picks the policy and calendar, computes every cycle and writes only what
changed. Met rows are history: once met they are not rewritten, whatever the policy says later.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.utils import timezone

from zabota.conversations._targets_display import describe, nearest, shown_states
from zabota.conversations.models import (
    AuthorKind,
    Conversation,
    ConversationEvent,
    Deadline,
    DeadlineState,
    Direction,
    EventType,
    Message,
    Status,
)
from zabota.sla import engine
from zabota.sla.deadlines import Calendar
from zabota.sla.models import BusinessCalendar, Policy

_TIMELINE_EVENTS = (
    EventType.MESSAGE_RECEIVED,
    EventType.REPLIED,
    EventType.STATUS_CHANGED,
    EventType.REOPENED,
    EventType.MERGED_INTO,
    EventType.MERGED_FROM,
    EventType.ASSIGNED,
    EventType.TRANSFERRED,
    EventType.ESCALATED,
)
_WRITTEN = (
    "state",
    "target_minutes",
    "business_time",
    "started_at",
    "due_at",
    "warn_at",
    "remaining_minutes",
    "next_check_at",
    "warned_at",
    "breached_at",
    "met_at",
    "policy_id",
    "policy_name",
)


_deferred = threading.local()


class _Pending:
    def __init__(self) -> None:
        self.conversations: dict[int, Conversation | None] = {}
        self.fresh: dict[int, bool] = {}

    def add(self, ids: Iterable[int], conversations: Iterable[Conversation], fresh: set[int]) -> None:
        for conversation_id in ids:
            self.conversations.setdefault(conversation_id, None)
            self.fresh[conversation_id] = self.fresh.get(conversation_id, True) and conversation_id in fresh
        for conversation in conversations:
            self.conversations[conversation.pk] = conversation


@contextmanager
def deferred_refresh() -> Iterator[None]:
    """Collect the refreshes of nested actions (a reply that also changes the status, a macro) into one."""
    stack: list[_Pending] = _deferred.__dict__.setdefault("stack", [])
    stack.append(_Pending())
    try:
        yield
    finally:
        pending = stack.pop()
    if not pending.conversations:
        return
    held = [c for c in pending.conversations.values() if c is not None]
    fresh = {i for i, is_fresh in pending.fresh.items() if is_fresh}
    if stack:
        stack[-1].add(pending.conversations, held, fresh)
    else:
        refresh_targets(pending.conversations, conversations=held, fresh=fresh)


def refresh_targets(
    conversation_ids: Iterable[int],
    *,
    conversations: Sequence[Conversation] = (),
    fresh: Iterable[int] = (),
    now: datetime | None = None,
) -> None:
    """Recompute the deadline rows of these conversations; call inside the caller's transaction.

    ``conversations`` may pass rows the caller already holds (with the customer loaded) to save a query;
    ``fresh`` names conversations created in this transaction (they have no rows to read or delete yet).
    """
    ids = sorted(set(conversation_ids) | {c.pk for c in conversations})
    if not ids:
        return
    new_ids = set(fresh)
    stack: list[_Pending] = _deferred.__dict__.get("stack", [])
    if stack:
        stack[-1].add(ids, conversations, new_ids)
        return
    now = now or timezone.now()
    known = {c.pk: c for c in conversations if Conversation.customer.is_cached(c)}
    rows: list[dict[str, Any]] = [_row_of(c) for c in known.values()]
    missing = [i for i in ids if i not in known]
    if missing:
        values = Conversation.objects.filter(pk__in=missing).values(
            "id", "store_id", "channel", "category", "priority", "team_id", "created_at", "customer__tags"
        )
        rows += [dict(v) for v in values]
    store_ids = {r["store_id"] for r in rows}
    policies: dict[int, list[engine.PolicySpec]] = defaultdict(list)
    for policy in Policy.objects.filter(store_id__in=store_ids).active().in_order():
        policies[policy.store_id].append(policy.spec())
    with_policy = [r["id"] for r in rows if policies.get(r["store_id"])]
    without = [r["id"] for r in rows if not policies.get(r["store_id"])]
    stale = [i for i in without if i not in new_ids]
    if stale:
        Deadline.objects.filter(conversation_id__in=stale).exclude(state=DeadlineState.MET).delete()
    if not with_policy:
        return
    facts = _facts(
        [r for r in rows if r["id"] in set(with_policy)],
        _timelines(with_policy),
    )
    calendars = _Calendars(store_ids)
    readable = [i for i in with_policy if i not in new_ids]
    existing: dict[tuple[int, str, int], Deadline] = {
        (d.conversation_id, d.kind, d.seq): d
        for d in (Deadline.objects.filter(conversation_id__in=readable) if readable else ())
    }
    create: list[Deadline] = []
    update: list[Deadline] = []
    keep: set[int] = set()
    for row in rows:
        if row["id"] not in facts:
            continue
        conversation_facts = facts[row["id"]]
        spec = engine.select_policy(conversation_facts, policies[row["store_id"]])
        calendar = calendars.for_policy(row["store_id"], spec, conversation_facts.team_id) if spec else None
        for item in engine.compute_deadlines(conversation_facts, spec, calendar, now):
            current = existing.get((row["id"], item.kind, item.seq))
            if current is None:
                create.append(_new_row(row, item, now))
                continue
            keep.add(current.pk)
            if (
                current.state == DeadlineState.MET
                and item.state == engine.MET
                and current.met_at == item.met_at
            ):
                continue
            merged = engine.carry_over(item, _marks(current))
            if _apply(current, merged):
                current.computed_at = now
                update.append(current)
    gone = [d.pk for d in existing.values() if d.pk not in keep and d.state != DeadlineState.MET]
    if gone:
        Deadline.objects.filter(pk__in=gone).delete()
    if create:
        Deadline.objects.bulk_create(create)
    if update:
        Deadline.objects.bulk_update(update, [*_WRITTEN, "computed_at"])


def refresh_customer_targets(customer_id: int) -> None:
    """After a customer's tags changed: their active conversations may fall under another policy."""
    ids = list(
        Conversation.objects.filter(customer_id=customer_id, merged_into__isnull=True)
        .exclude(status=Status.CLOSED)
        .values_list("id", flat=True)
    )
    refresh_targets(ids)


def _row_of(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "store_id": conversation.store_id,
        "channel": conversation.channel,
        "category": conversation.category,
        "priority": conversation.priority,
        "team_id": conversation.team_id,
        "created_at": conversation.created_at,
        "customer__tags": conversation.customer.tags,
    }


def _timelines(ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    timelines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    events = (
        ConversationEvent.objects.filter(conversation_id__in=ids, type__in=_TIMELINE_EVENTS)
        .order_by("at", "id")
        .values("conversation_id", "type", "actor_kind", "payload", "at")
    )
    for event in events:
        timelines[event["conversation_id"]].append(dict(event))
    return timelines


def _facts(
    rows: list[dict[str, Any]], timelines: dict[int, list[dict[str, Any]]]
) -> dict[int, engine.ConversationFacts]:
    merged_in = [
        r["id"] for r in rows if any(e["type"] == EventType.MERGED_FROM for e in timelines.get(r["id"], []))
    ]
    moved_messages: dict[int, list[engine.MessageFact]] = defaultdict(list)
    if merged_in:
        # messages merged in from another conversation have their events there: read the messages
        for conversation_id, direction, author_kind, created_at in (
            Message.objects.filter(conversation_id__in=merged_in)
            .exclude(direction=Direction.NOTE)
            .order_by("created_at", "id")
            .values_list("conversation_id", "direction", "author_kind", "created_at")
        ):
            author = "customer" if direction == Direction.INBOUND else _author(author_kind)
            moved_messages[conversation_id].append(engine.MessageFact(created_at, author))
    out: dict[int, engine.ConversationFacts] = {}
    for row in rows:
        statuses: list[tuple[datetime, str]] = []
        messages: list[engine.MessageFact] = []
        assignments: list[datetime] = []
        for event in timelines.get(row["id"], []):
            kind, payload, at = event["type"], event["payload"] or {}, event["at"]
            if kind == EventType.MESSAGE_RECEIVED:
                messages.append(engine.MessageFact(at, "customer"))
            elif kind == EventType.REPLIED:
                messages.append(engine.MessageFact(at, "bot" if event["actor_kind"] == "bot" else "agent"))
            elif kind in (EventType.STATUS_CHANGED, EventType.REOPENED) and payload.get("to"):
                statuses.append((at, str(payload["to"])))
            elif kind == EventType.MERGED_INTO:
                statuses.append((at, Status.CLOSED))
            elif (kind == EventType.ASSIGNED and payload.get("to")) or (
                kind in (EventType.TRANSFERRED, EventType.ESCALATED) and payload.get("to_agent")
            ):
                assignments.append(at)
        if row["id"] in moved_messages:
            messages = moved_messages[row["id"]]
        tags = row["customer__tags"] or []
        out[row["id"]] = engine.ConversationFacts(
            channel=row["channel"],
            category=row["category"],
            priority=row["priority"],
            created_at=row["created_at"],
            customer_tags=tuple(str(t) for t in tags if isinstance(t, str)),
            team_id=row["team_id"],
            statuses=tuple(statuses),
            messages=tuple(messages),
            assignments=tuple(assignments),
        )
    return out


def _author(author_kind: str) -> str:
    if author_kind == AuthorKind.AGENT:
        return "agent"
    return "bot" if author_kind == AuthorKind.BOT else "system"


class _Calendars:
    """The stores' calendars, loaded on first need; ``Calendar`` objects are reused (they cache days)."""

    def __init__(self, store_ids: set[int]) -> None:
        self.store_ids = store_ids
        self.rows: list[BusinessCalendar] | None = None
        self.built: dict[int, Calendar | None] = {}

    def _build(self, row: BusinessCalendar) -> Calendar | None:
        if row.pk not in self.built:
            try:
                self.built[row.pk] = row.to_calendar()
            except ValueError:
                self.built[row.pk] = None
        return self.built[row.pk]

    def for_policy(self, store_id: int, policy: engine.PolicySpec, team_id: int | None) -> Calendar | None:
        """The policy's calendar, else the team's, else the store's default; None means 24/7."""
        if not (
            policy.first_response_business
            or policy.next_response_business
            or policy.update_business
            or policy.resolution_business
        ):
            return None
        if self.rows is None:
            self.rows = list(BusinessCalendar.objects.filter(store_id__in=self.store_ids))
        mine = [c for c in self.rows if c.store_id == store_id]
        for match in (
            lambda c: c.pk == policy.calendar_id,
            lambda c: team_id is not None and c.team_id == team_id,
            lambda c: c.team_id is None,
        ):
            found = next((c for c in mine if match(c)), None)
            if found is not None:
                return self._build(found)
        return None


def _marks(row: Deadline) -> engine.SweepMarks:
    return engine.SweepMarks(
        state=row.state,
        warn_at=row.warn_at,
        due_at=row.due_at,
        warned_at=row.warned_at,
        breached_at=row.breached_at,
        met_at=row.met_at,
        next_check_at=row.next_check_at,
    )


def _new_row(row: dict[str, Any], spec: engine.DeadlineSpec, now: datetime) -> Deadline:
    deadline = Deadline(
        store_id=row["store_id"], conversation_id=row["id"], kind=spec.kind, seq=spec.seq, computed_at=now
    )
    _apply(deadline, spec)
    return deadline


def _apply(row: Deadline, spec: engine.DeadlineSpec) -> bool:
    changed = False
    for name in _WRITTEN:
        value = getattr(spec, name)
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


__all__ = [
    "deferred_refresh",
    "describe",
    "nearest",
    "refresh_customer_targets",
    "refresh_targets",
    "shown_states",
]
