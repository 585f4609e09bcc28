"""The breach sweep's state transitions (split from ``sweep``): conditional UPDATEs that move due rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import BooleanField, F
from django.db.models.expressions import RawSQL

from zabota.conversations.models import Deadline, DeadlineState
from zabota.conversations.models.deadline import RUNNING_STATES
from zabota.sla.models import Policy


@dataclass
class SweepResult:
    checked: int = 0
    warned: int = 0
    breached: int = 0
    escalated: int = 0
    queued: int = 0
    actions: int = 0
    rescheduled: int = 0
    more: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Step:
    """One transition the sweep won: the row, its new state and what to tell."""

    row: Deadline
    step: str  # "warned" | "breached" | "escalated"


def _running_literally() -> RawSQL:
    """``state IN ('active', 'warned')`` written out: SQLite uses the partial index ``deadline_next_check``
    only when the query repeats its predicate literally (Django binds ``state__in`` as parameters)."""
    states = ", ".join(f"'{s.value}'" for s in RUNNING_STATES)
    return RawSQL(f'"{Deadline._meta.db_table}"."state" IN ({states})', [], output_field=BooleanField())  # noqa: S611


def _load_policies(cache: dict[int, Policy | None], rows: list[Deadline]) -> None:
    wanted = {r.policy_id for r in rows if r.policy_id is not None and r.policy_id not in cache}
    if not wanted:
        return
    found = Policy.objects.filter(pk__in=wanted).in_bulk()
    for policy_id in wanted:
        cache[policy_id] = found.get(policy_id)


def _admin_delay(policy: Policy | None) -> int | None:
    return policy.escalate_admin_after_minutes if policy is not None else None


def _advance(
    rows: list[Deadline], now: datetime, policies: dict[int, Policy | None], result: SweepResult
) -> list[_Step]:
    """Move running rows forward with UPDATEs conditioned on their old state; return what moved."""
    groups: dict[tuple[str, str, int | None], list[Deadline]] = defaultdict(list)
    stale: list[Deadline] = []
    for row in rows:
        if row.due_at is not None and now >= row.due_at:
            delay = _admin_delay(policies.get(row.policy_id)) if row.policy_id is not None else None
            groups[(row.state, DeadlineState.BREACHED, delay)].append(row)
        elif row.state == DeadlineState.ACTIVE and row.warn_at is not None and now >= row.warn_at:
            groups[(row.state, DeadlineState.WARNED, None)].append(row)
        else:
            stale.append(row)
    steps: list[_Step] = []
    for (old, new, delay), members in groups.items():
        if new == DeadlineState.WARNED:
            changes: dict[str, Any] = {"state": new, "warned_at": now, "next_check_at": F("due_at")}
        else:
            escalate_at = now + timedelta(minutes=delay) if delay else None
            changes = {"state": new, "breached_at": now, "next_check_at": escalate_at}
        won = _conditional_update(members, old, changes)
        for row in won:
            row.state = new
            steps.append(_Step(row=row, step=str(new)))
        if new == DeadlineState.WARNED:
            result.warned += len(won)
        else:
            result.breached += len(won)
    for row in stale:
        # next_check_at ran ahead of the row's times (a recompute in between): point it at the next one.
        warns = row.state == DeadlineState.ACTIVE and row.warn_at is not None
        expected = row.warn_at if warns else row.due_at
        Deadline.objects.filter(pk=row.pk, state=row.state).update(next_check_at=expected)
        result.rescheduled += 1
    return steps


def _conditional_update(members: list[Deadline], old: str, changes: dict[str, Any]) -> list[Deadline]:
    """UPDATE … WHERE id IN (…) AND state = old: only rows still in ``old`` move.

    The chunk's rows are locked, so normally every row moves. If not (a row changed between the read and
    the write), the winners are the rows stamped with this sweep's exact time.
    """
    ids = [r.pk for r in members]
    if Deadline.objects.filter(pk__in=ids, state=old).update(**changes) == len(ids):
        return members
    stamp = "warned_at" if changes["state"] == DeadlineState.WARNED else "breached_at"
    moved = set(
        Deadline.objects.filter(pk__in=ids, state=changes["state"], **{stamp: changes[stamp]}).values_list(
            "pk", flat=True
        )
    )
    return [r for r in members if r.pk in moved]


def _escalate(rows: list[Deadline], now: datetime, result: SweepResult) -> list[_Step]:
    """Breached rows whose admin-escalation time has come: clear the check, then tell the admins."""
    ids = [r.pk for r in rows]
    Deadline.objects.filter(pk__in=ids, state=DeadlineState.BREACHED, next_check_at__lte=now).update(
        next_check_at=None
    )
    result.escalated += len(rows)
    return [_Step(row=row, step="escalated") for row in rows]
