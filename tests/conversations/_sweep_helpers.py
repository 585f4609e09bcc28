"""Shared helpers and fixtures of the breach-sweep tests (``test_sweep*.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tasks import default_task_backend

from tests.conversations.helpers import timeline
from tests.factories import make_conversation, make_team
from zabota.conversations.models import Conversation, Deadline, DeadlineState, EventType
from zabota.conversations.sweep import SweepResult, sweep_deadlines
from zabota.notify.models import Notification
from zabota.sla.models import Policy

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.get_fixed_timezone(180))


@dataclass
class Swept:
    """A sweep's result plus what its enqueued notification tasks created when they ran."""

    result: SweepResult
    notified: int

    def __getattr__(self, name: str) -> Any:
        return getattr(self.result, name)


def run_enqueued() -> int:
    """Run the tasks enqueued on the dummy backend (a worker would), retries included; notifications made."""
    created = 0
    while default_task_backend.results:  # type: ignore[attr-defined]
        pending = list(default_task_backend.results)  # type: ignore[attr-defined]
        default_task_backend.clear()  # type: ignore[attr-defined]
        for item in pending:
            outcome = item.task.call(*item.args, **item.kwargs)
            created += outcome if isinstance(outcome, int) else 0
    return created


def sweep(now: datetime, **kwargs: Any) -> Swept:
    default_task_backend.clear()  # type: ignore[attr-defined]
    result = sweep_deadlines(now, **kwargs)
    return Swept(result=result, notified=run_enqueued())


def make_policy(store, **kwargs: Any) -> Policy:
    fields: dict[str, Any] = {"name": "Чат", "first_response_minutes": 10, "warn_percent": 50}
    fields.update(kwargs)
    return Policy.objects.create(store=store, **fields)


def put_deadline(
    conversation: Conversation,
    *,
    policy: Policy | None = None,
    kind: str = "first_response",
    seq: int = 0,
    state: str = DeadlineState.ACTIVE,
    started: datetime = T0,
    minutes: int = 10,
    warn_minutes: int | None = 5,
) -> Deadline:
    """A running deadline written directly (the sweep only reads rows; how they are derived is S's part)."""
    due = started + timedelta(minutes=minutes)
    warn = started + timedelta(minutes=warn_minutes) if warn_minutes is not None else None
    next_check = (warn or due) if state == DeadlineState.ACTIVE else due
    row, _ = Deadline.objects.update_or_create(
        conversation=conversation,
        kind=kind,
        seq=seq,
        defaults={
            "store_id": conversation.store_id,
            "policy_id": policy.pk if policy else None,
            "policy_name": policy.name if policy else "",
            "state": state,
            "target_minutes": minutes,
            "started_at": started,
            "due_at": due,
            "warn_at": warn,
            "next_check_at": next_check,
            "warned_at": started + timedelta(minutes=warn_minutes) if state == "warned" else None,
            "breached_at": None,
            "met_at": None,
            "remaining_minutes": None,
            "computed_at": started,
        },
    )
    return row


def notified(dedupe_key: str | None = None) -> list[tuple[int, str, str]]:
    rows = Notification.objects.order_by("agent_id", "id")
    if dedupe_key is not None:
        rows = rows.filter(dedupe_key=dedupe_key)
    return list(rows.values_list("agent_id", "kind", "dedupe_key"))


def sla_events(conversation: Conversation) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (type_, kind, payload)
        for type_, kind, _agent, payload in timeline(conversation)
        if type_ in (EventType.SLA_WARNED, EventType.SLA_BREACHED)
    ]


@pytest.fixture(autouse=True)
def _english_store(db, store):
    # Alerts are written in the store's language; these tests read the English source strings.
    store.locale = "en"
    store.save(update_fields=["locale"])


@pytest.fixture
def team(store):
    return make_team(store, "Доставка")


@pytest.fixture
def conversation(store, agent, team):
    conversation = make_conversation(store, text="Где мой заказ?")
    Conversation.objects.filter(pk=conversation.pk).update(assignee=agent, team=team)
    conversation.refresh_from_db()
    Deadline.objects.filter(conversation=conversation).delete()
    return conversation
