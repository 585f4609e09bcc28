"""The breach sweep: moves running service-target deadlines forward in time and tells the right people.

``conversations.targets`` derives ``Deadline`` rows from a conversation's events; this module only notices
that time has passed. A row whose ``next_check_at`` has come moves active -> warned (at ``warn_at``) or
-> breached (at ``due_at``), records an ``sla_warned`` / ``sla_breached`` conversation event, emits the
outbound webhooks, applies the policy's breach actions and enqueues the notifications along the escalation
chain (one ``notify_steps_task`` per store and chunk, so a sweep over many due rows stays short). A breached
row keeps a ``next_check_at`` when its policy escalates to admins later; that check sends the last step.

Safety under concurrency and crashes: each chunk is one transaction that locks its rows (``SKIP LOCKED`` on
PostgreSQL; SQLite serialises writers) and moves them with UPDATEs conditioned on the old state, so two
sweeps never both transition a row. The notification task is enqueued inside that transaction (with the
database task backend it commits or rolls back with the transitions) and notifies with the dedupe key
``sla:<deadline id>:<step>``, so a retried or re-run task never notifies twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from zabota.conversations._sweep_directory import Directory as Directory
from zabota.conversations._sweep_transitions import (
    SweepResult as SweepResult,
)
from zabota.conversations._sweep_transitions import (
    _advance,
    _escalate,
    _load_policies,
    _running_literally,
    _Step,
)
from zabota.conversations.models import (
    Conversation,
    ConversationEvent,
    Deadline,
    DeadlineKind,
    DeadlineState,
    EventType,
    Priority,
)
from zabota.conversations.models.conversation import PRIORITY_RANK
from zabota.core import realtime
from zabota.core.errors import DomainError
from zabota.core.reliable import reliable_task
from zabota.notify.actions import notify
from zabota.sla.models import Policy
from zabota.stores.actors import Actor
from zabota.stores.models import Agent, Tier
from zabota.webhooks.actions import Data, emit_many, subscriptions_by_event

logger = logging.getLogger(__name__)

CHUNK = 250
SWEEP_EVERY = timedelta(seconds=15)
SYSTEM = Actor.system("sla")


# ----------------------------------------------------------------------------- the sweep
# (who hears about it: ``_sweep_directory``; the transitions themselves: ``_sweep_transitions``)


def conversation_url(number: int) -> str:
    return reverse("conversation", kwargs={"number": number})


def sweep_deadlines(now: datetime | None = None, *, limit: int = 20_000, chunk: int = CHUNK) -> SweepResult:
    """Handle every deadline whose check time has come (at most ``limit`` rows); idempotent."""
    now = now or timezone.now()
    result = SweepResult()
    policies: dict[int, Policy | None] = {}
    # Admin escalation checks breached rows, which the partial index does not cover: only in the stores
    # with a policy that escalates (the (store, state, due_at) index narrows it to their breached rows).
    escalating = list(
        Policy.objects.filter(escalate_admin_after_minutes__isnull=False)
        .values_list("store_id", flat=True)
        .distinct()
    )
    for phase in ("running", "escalation") if escalating else ("running",):
        # Keyset over (next_check_at, id): the order of the partial index, and every row is seen once.
        after: tuple[datetime | None, int] | None = None
        while True:
            size = min(chunk, limit - result.checked)
            if size <= 0:
                result.more = True
                return result
            with transaction.atomic():
                if phase == "running":
                    candidates = Deadline.objects.filter(_running_literally(), next_check_at__lte=now)
                else:
                    candidates = Deadline.objects.filter(
                        store_id__in=escalating, state=DeadlineState.BREACHED, next_check_at__lte=now
                    )
                if after is not None:
                    candidates = candidates.filter(
                        Q(next_check_at__gt=after[0]) | Q(next_check_at=after[0], pk__gt=after[1])
                    )
                rows = list(
                    candidates.order_by("next_check_at", "pk").select_for_update(
                        skip_locked=True, of=("self",)
                    )[:size]
                )
                if not rows:
                    break
                after = (rows[-1].next_check_at, rows[-1].pk)
                result.checked += len(rows)
                _load_policies(policies, rows)
                steps = (
                    _advance(rows, now, policies, result)
                    if phase == "running"
                    else _escalate(rows, now, result)
                )
                if steps:
                    _announce(steps, now, policies, result)
            if len(rows) < size:
                break
    return result


def _announce(
    steps: list[_Step],
    now: datetime,
    policies: dict[int, Policy | None],
    result: SweepResult,
) -> None:
    """Events, notifications, webhooks and breach actions for the transitions of one chunk."""
    conversations = Conversation.objects.in_bulk({s.row.conversation_id for s in steps})
    events: list[ConversationEvent] = []
    hooks: dict[int, list[tuple[str, Data]]] = defaultdict(list)
    acted: set[int] = set()
    outbox: dict[int, list[list[Any]]] = defaultdict(list)
    touched: dict[int, set[int]] = defaultdict(set)
    for s in steps:
        conversation = conversations.get(s.row.conversation_id)
        if conversation is None:
            continue
        payload = _event_payload(s.row)
        touched[conversation.store_id].add(conversation.pk)
        if s.step in ("warned", "breached"):
            events.append(
                ConversationEvent(
                    store_id=conversation.store_id,
                    conversation_id=conversation.pk,
                    type=EventType.SLA_WARNED if s.step == "warned" else EventType.SLA_BREACHED,
                    actor_kind=SYSTEM.kind,
                    actor_label=SYSTEM.label,
                    payload=payload,
                    at=now,
                )
            )
            hooks[conversation.store_id].append(
                (
                    f"conversation.sla_{s.step}",
                    {"conversation": _conversation_brief(conversation), "target": payload},
                )
            )
        outbox[conversation.store_id].append([s.row.pk, s.step])
        if s.step == "breached" and conversation.pk not in acted:
            policy = policies.get(s.row.policy_id) if s.row.policy_id is not None else None
            if policy is not None and conversation.is_active:
                acted.add(conversation.pk)
                result.actions += _breach_actions(conversation, policy, s.row)
    ConversationEvent.objects.bulk_create(events)
    for store_id, steps_of_store in outbox.items():
        # Enqueued in this transaction: with the database task backend the task row commits (or not)
        # together with the transitions, so a crash can neither lose nor duplicate the notifications.
        notify_steps_task.enqueue(store_id=store_id, steps=steps_of_store)
        result.queued += len(steps_of_store)
    for store_id, items in hooks.items():
        emit_many(store_id=store_id, items=items, subscriptions=subscriptions_by_event(store_id))
    for store_id, ids in touched.items():
        _publish_after_commit(store_id, sorted(ids))


def _publish_after_commit(store_id: int, conversation_ids: list[int]) -> None:
    transaction.on_commit(
        lambda: realtime.publish(store_id, "sla.changed", "agents", {"conversation_ids": conversation_ids})
    )


def _event_payload(row: Deadline) -> dict[str, Any]:
    return {
        "deadline_id": row.pk,
        "kind": row.kind,
        "seq": row.seq,
        "policy": row.policy_name,
        "target_minutes": row.target_minutes,
        "business_time": row.business_time,
        "due_at": row.due_at.isoformat() if row.due_at else None,
    }


def _conversation_brief(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "number": conversation.number,
        "channel": conversation.channel,
        "status": conversation.status,
        "priority": conversation.priority,
        "assignee_id": conversation.assignee_id,
        "team_id": conversation.team_id,
        "tier": conversation.tier,
    }


def send_step_notifications(*, store_id: int, steps: list[list[Any]]) -> int:
    """Notify the people of each (deadline id, step) the sweep recorded; idempotent through dedupe keys.

    A step that no longer holds when the task runs is dropped: a warning for a row that is not in the
    warned state any more (answered, or already breached: the breach notification follows), an admin
    escalation for a row that is not breached any more. A breach that happened stays a fact and is told.
    """
    ids = [int(deadline_id) for deadline_id, _step in steps]
    rows = Deadline.objects.filter(store_id=store_id, pk__in=ids).in_bulk()
    conversations = Conversation.objects.filter(store_id=store_id).in_bulk(
        {r.conversation_id for r in rows.values()}
    )
    directory = Directory.load(store_id)
    created = 0
    for deadline_id, step in steps:
        row = rows.get(int(deadline_id))
        if row is None or row.conversation_id not in conversations:
            continue
        holds = {
            "warned": row.state == DeadlineState.WARNED,
            "breached": row.breached_at is not None,
            "escalated": row.state == DeadlineState.BREACHED,
        }.get(str(step), False)
        if holds:
            created += _notify(_Step(row=row, step=str(step)), conversations[row.conversation_id], directory)
    return created


def _notify(s: _Step, conversation: Conversation, directory: Directory) -> int:
    """The escalation chain: warning -> first line; breach -> first line + leads; later -> admins."""
    first_line = directory.first_line(conversation.assignee_id, conversation.team_id)
    if s.step == "warned":
        recipients, severity = first_line, "warning"
    elif s.step == "breached":
        recipients = sorted(set(first_line) | set(directory.leads(conversation.team_id)))
        severity = "critical"
    else:
        recipients, severity = directory.admins(), "critical"
    if not recipients:
        return 0
    row = s.row
    with translation.override(directory.locale):
        target = str(DeadlineKind(row.kind).label) if row.kind in DeadlineKind.values else row.kind
        due = timezone.localtime(row.due_at).strftime("%d.%m %H:%M") if row.due_at else ""
        number = conversation.number
        if s.step == "warned":
            title = _("#%(number)s: %(target)s target at risk") % {"number": number, "target": target}
            body = _("Due at %(due)s (%(policy)s).") % {"due": due, "policy": row.policy_name}
        elif s.step == "breached":
            title = _("#%(number)s: %(target)s target breached") % {"number": number, "target": target}
            body = _("It was due at %(due)s (%(policy)s).") % {"due": due, "policy": row.policy_name}
        else:
            title = _("#%(number)s: %(target)s target still breached") % {"number": number, "target": target}
            body = _("Breached at %(due)s and not resolved yet (%(policy)s).") % {
                "due": due,
                "policy": row.policy_name,
            }
        if conversation.subject:
            body = f"{conversation.subject}\n{body}"
    return notify(
        store_id=conversation.store_id,
        agent_ids=recipients,
        kind=f"sla.{s.step}",
        title=title,
        body=body,
        url=conversation_url(conversation.number),
        severity=severity,
        dedupe_key=f"sla:{row.pk}:{s.step}",
        payload={"conversation_id": conversation.pk, **_event_payload(row)},
    )


# ----------------------------------------------------------------------------- breach actions


def _routing_pick(conversation: Conversation, *, exclude: list[int]) -> Agent | None:
    """Another online agent with free capacity, from routing when it is installed."""
    try:
        from zabota.conversations.routing import pick_agent
    except ImportError:  # no routing: the conversation keeps its owner
        return None
    return pick_agent(conversation, exclude=exclude)


def _breach_actions(conversation: Conversation, policy: Policy, row: Deadline) -> int:
    """The policy's optional actions through the ordinary conversation actions, as the system."""
    from zabota.conversations.actions import assign, escalate, set_priority

    done = 0
    wanted: list[tuple[str, Any]] = []
    if policy.breach_raise_priority:
        rank = PRIORITY_RANK.get(Priority(conversation.priority), 0)
        higher = [p for p, r in PRIORITY_RANK.items() if r == rank + 1]
        if higher:
            wanted.append(
                ("priority", lambda: set_priority(conversation=conversation, priority=higher[0], by=SYSTEM))
            )
    if policy.breach_escalate_l2 and conversation.tier == Tier.L1:
        reason = _("Service target breached: %(kind)s") % {"kind": row.kind}
        wanted.append(("escalate", lambda: escalate(conversation=conversation, by=SYSTEM, reason=reason)))
    if policy.breach_reassign:

        def reassign() -> None:
            exclude = [conversation.assignee_id] if conversation.assignee_id is not None else []
            to = _routing_pick(conversation, exclude=exclude)
            if to is not None:
                assign(conversation=conversation, to=to, by=SYSTEM)

        wanted.append(("reassign", reassign))
    for name, action in wanted:
        try:
            with transaction.atomic():
                action()
            done += 1
        except DomainError as exc:
            logger.warning("SLA breach action %s on conversation %s failed: %s", name, conversation.pk, exc)
    return done


# ----------------------------------------------------------------------------- the periodic task


@reliable_task(queue_name="default", max_attempts=8)
def notify_steps_task(*, store_id: int, steps: list[list[Any]]) -> int:
    """The notifications of one sweep chunk: retried with backoff, dead-lettered if it keeps failing."""
    return send_step_notifications(store_id=store_id, steps=steps)


@task(queue_name="default")
def sweep_task() -> dict[str, Any]:
    """Registered with the scheduler every 15 s; safe to run twice at once."""
    return sweep_deadlines().as_dict()
