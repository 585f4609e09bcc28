"""Policy selection and deadline computation from plain facts: no database, no ``conversations`` import.

The rules (docs/architecture.md, “Service targets”):

- **first response** runs from the conversation's creation to the first public reply of an agent;
- **next response**: a customer message that arrives while no response cycle is open starts one
  (seq 1, 2, …), the next agent reply meets it;
- **update**: each agent reply starts a cycle that the next agent reply meets (progress updates while
  the conversation stays open); a cycle that a solve ends before its due time is dropped;
- **resolution** runs from creation to the solve; a reopen resumes it with the time that was left (the
  solved period does not count);
- **queue wait** (chat and phone) runs from creation to the first assignment, in calendar seconds.

Every clock except queue wait stops while the status is pending or on hold and resumes where it stopped.
Solving or closing ends the open response and update cycles (met at that moment). Business-time targets
count minutes of the calendar only; calendar-time targets count wall-clock time.

The result depends only on the facts, the policy and the calendar, so recomputing any number of times,
in any order, gives the same rows. The only outside input kept is what the breach sweep saw
(``warned_at``/``breached_at``), carried over while the warning or due time stays the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from zabota.sla._engine_facts import (
    ACTIVE,
    BREACHED,
    ENDING_STATUSES,
    FIRST_RESPONSE,
    MET,
    NEXT_RESPONSE,
    PAUSED,
    PAUSING_STATUSES,
    QUEUE_CHANNELS,
    QUEUE_WAIT,
    RESOLUTION,
    UPDATE,
    WARNED,
    ConversationFacts,
    DeadlineSpec,
    MessageFact,
    PolicySpec,
    SweepMarks,
    matches,
    select_policy,
)

if TYPE_CHECKING:
    from zabota.sla.deadlines import Calendar


@dataclass(frozen=True)
class _Clock:
    add: Callable[[datetime, int], datetime]  # start + seconds of counted time
    between: Callable[[datetime, datetime], int]  # counted seconds in [start, end)


def _wall_clock() -> _Clock:
    return _Clock(
        add=lambda start, seconds: start + timedelta(seconds=seconds),
        between=lambda start, end: max(0, math.floor((end - start).total_seconds())),
    )


def _business_clock(calendar: Calendar) -> _Clock:
    from zabota.sla.deadlines import business_minutes_between, due_at

    return _Clock(
        add=lambda start, seconds: due_at(start, math.ceil(seconds / 60), calendar),
        between=lambda start, end: business_minutes_between(start, end, calendar) * 60,
    )


Segment = tuple[datetime, datetime | None, bool]  # start, end (None: still going), clock runs


def _segments(
    facts: ConversationFacts, start: datetime, runs: Callable[[str], bool], end: datetime | None = None
) -> list[Segment]:
    """Stretches of the status timeline from ``start`` (to ``end``), each with whether the clock runs."""
    status = "new"
    changes: list[tuple[datetime, str]] = []
    for at, new_status in facts.statuses:
        if at <= start:
            status = new_status
        else:
            changes.append((at, new_status))
    out: list[Segment] = []
    cursor = start
    for at, new_status in changes:
        if end is not None and at >= end:
            break
        out.append((cursor, at, runs(status)))
        cursor, status = at, new_status
    out.append((cursor, end, runs(status)))
    return out


@dataclass(frozen=True)
class _Run:
    warn_at: datetime | None
    due_at: datetime | None
    remaining_seconds: int


def _walk(segments: Sequence[Segment], clock: _Clock, target: int, warn: int) -> _Run:
    """When ``warn`` and ``target`` seconds of running time are used up along the segments."""
    remaining, warn_remaining = target, warn
    warn_at: datetime | None = None
    last = len(segments) - 1
    for index, (seg_start, seg_end, running) in enumerate(segments):
        if not running:
            continue
        # the last stretch counts on past its end: a met cycle still has the due time it had
        if index == last:
            seg_end = None
        if warn_at is None:
            moment = seg_start if warn_remaining <= 0 else clock.add(seg_start, warn_remaining)
            if seg_end is None or moment <= seg_end:
                warn_at = moment
            else:
                warn_remaining -= clock.between(seg_start, seg_end)
        moment = seg_start if remaining <= 0 else clock.add(seg_start, remaining)
        if seg_end is None or moment <= seg_end:
            return _Run(warn_at, moment, 0)
        remaining -= clock.between(seg_start, seg_end)
    return _Run(warn_at, None, max(0, remaining))


# --- cycles -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cycle:
    kind: str
    seq: int
    start: datetime
    end: datetime | None
    ended_by_solve: bool = False


def _first_after(moments: Iterable[datetime], after: datetime) -> datetime | None:
    return min((m for m in moments if m > after), default=None)


def _response_cycles(facts: ConversationFacts) -> tuple[list[_Cycle], list[_Cycle]]:
    """(first and next response cycles, update cycles) from the messages and the solves."""
    solves = [at for at, status in facts.statuses if status in ENDING_STATUSES]
    replies = sorted(m.at for m in facts.messages if m.author == "agent")
    customer = sorted(m.at for m in facts.messages if m.author == "customer")

    def end_of(start: datetime) -> tuple[datetime | None, bool]:
        reply = next((r for r in replies if r >= start), None)
        solve = _first_after(solves, start)
        if solve is not None and (reply is None or solve < reply):
            return solve, True
        return reply, False

    end, by_solve = end_of(facts.created_at)
    responses = [_Cycle(FIRST_RESPONSE, 0, facts.created_at, end, by_solve)]
    for at in customer:
        current = responses[-1]
        if current.end is None or at <= current.end:
            continue
        end, by_solve = end_of(at)
        responses.append(_Cycle(NEXT_RESPONSE, len(responses), at, end, by_solve))
    updates: list[_Cycle] = []
    for index, at in enumerate(replies, start=1):
        if _status_at(facts, at) in ENDING_STATUSES:
            continue
        following = next((r for r in replies if r > at), None)
        solve = _first_after(solves, at)
        if solve is not None and (following is None or solve < following):
            updates.append(_Cycle(UPDATE, index, at, solve, True))
        else:
            updates.append(_Cycle(UPDATE, index, at, following))
    return responses, updates


def _status_at(facts: ConversationFacts, moment: datetime) -> str:
    status = "new"
    for at, new_status in facts.statuses:
        if at <= moment:
            status = new_status
    return status


def _resolution_end(facts: ConversationFacts) -> datetime | None:
    """The solve that ended the conversation, if it is still solved or closed."""
    if not facts.statuses or facts.statuses[-1][1] not in ENDING_STATUSES:
        return None
    end = facts.statuses[-1][0]
    for at, status in reversed(facts.statuses):
        if status not in ENDING_STATUSES:
            break
        end = at
    return end


def _runs_response(status: str) -> bool:
    return status not in PAUSING_STATUSES and status not in ENDING_STATUSES


# --- computation ------------------------------------------------------------------------------------


def _warn_seconds(target_seconds: int, percent: int, business: bool) -> int:
    seconds = target_seconds * max(0, min(percent, 100)) // 100
    return seconds - seconds % 60 if business else seconds


def _spec(
    cycle: _Cycle,
    *,
    facts: ConversationFacts,
    policy: PolicySpec,
    clock: _Clock,
    business: bool,
    target_seconds: int,
    runs: Callable[[str], bool],
) -> DeadlineSpec:
    warn = _warn_seconds(target_seconds, policy.warn_percent, business)
    run = _walk(_segments(facts, cycle.start, runs, cycle.end), clock, target_seconds, warn)
    due_at, warn_at = run.due_at, run.warn_at
    remaining: int | None = None
    if cycle.end is not None:
        # met: where the clock would have run out had it kept going from the moment it stopped
        if due_at is None:
            due_at = clock.add(cycle.end, run.remaining_seconds) if run.remaining_seconds else cycle.end
        state, met_at = MET, cycle.end
    elif due_at is None:
        state, met_at, remaining = PAUSED, None, math.ceil(run.remaining_seconds / 60)
    else:
        state, met_at = ACTIVE, None
    late = met_at is not None and due_at is not None and due_at < met_at
    warned_late = met_at is not None and warn_at is not None and warn_at < met_at
    return DeadlineSpec(
        kind=cycle.kind,
        seq=cycle.seq,
        state=state,
        target_minutes=target_seconds // 60,
        business_time=business,
        started_at=cycle.start,
        due_at=due_at,
        warn_at=warn_at,
        remaining_minutes=remaining,
        next_check_at=(warn_at or due_at) if state == ACTIVE else None,
        warned_at=warn_at if warned_late else None,
        breached_at=due_at if late else None,
        met_at=met_at,
        policy_id=policy.id,
        policy_name=policy.name,
    )


def compute_deadlines(
    facts: ConversationFacts,
    policy: PolicySpec | None,
    calendar: Calendar | None,
    now: datetime | None = None,
) -> list[DeadlineSpec]:
    """Every target cycle of the conversation under ``policy`` (``calendar`` None: 24/7 business time).

    ``now`` is not used for the result (which depends on the facts only) and is accepted so that callers
    can pass their clock for future rules without changing the signature.
    """
    if policy is None:
        return []
    wall = _wall_clock()
    business_clock = _business_clock(calendar) if calendar is not None else wall

    def clock_for(business: bool) -> _Clock:
        return business_clock if business else wall

    specs: list[DeadlineSpec] = []
    responses, updates = _response_cycles(facts)
    for cycle in responses:
        minutes = (
            policy.first_response_minutes if cycle.kind == FIRST_RESPONSE else policy.next_response_minutes
        )
        business = (
            policy.first_response_business if cycle.kind == FIRST_RESPONSE else policy.next_response_business
        )
        if minutes:
            specs.append(
                _spec(
                    cycle,
                    facts=facts,
                    policy=policy,
                    clock=clock_for(business),
                    business=business,
                    target_seconds=minutes * 60,
                    runs=_runs_response,
                )
            )
    if policy.update_minutes:
        for cycle in updates:
            spec = _spec(
                cycle,
                facts=facts,
                policy=policy,
                clock=clock_for(policy.update_business),
                business=policy.update_business,
                target_seconds=policy.update_minutes * 60,
                runs=_runs_response,
            )
            if cycle.ended_by_solve and spec.breached_at is None:
                continue
            specs.append(spec)
    if policy.resolution_minutes:
        end = _resolution_end(facts)
        specs.append(
            _spec(
                _Cycle(RESOLUTION, 0, facts.created_at, end),
                facts=facts,
                policy=policy,
                clock=clock_for(policy.resolution_business),
                business=policy.resolution_business,
                target_seconds=policy.resolution_minutes * 60,
                runs=lambda status: status not in PAUSING_STATUSES and status not in ENDING_STATUSES,
            )
        )
    if policy.queue_wait_seconds and facts.channel in QUEUE_CHANNELS:
        solves = [at for at, status in facts.statuses if status in ENDING_STATUSES]
        ends = [m for m in (min(facts.assignments, default=None), min(solves, default=None)) if m]
        specs.append(
            _spec(
                _Cycle(QUEUE_WAIT, 0, facts.created_at, min(ends, default=None)),
                facts=facts,
                policy=policy,
                clock=wall,
                business=False,
                target_seconds=policy.queue_wait_seconds,
                runs=lambda _status: True,
            )
        )
    return specs


def carry_over(spec: DeadlineSpec, previous: SweepMarks | None) -> DeadlineSpec:
    """Keep what the sweep recorded for this cycle while its warning / due time is unchanged."""
    if previous is None:
        return spec
    warned_at = previous.warned_at if previous.warned_at and previous.warn_at == spec.warn_at else None
    breached_at = previous.breached_at if previous.breached_at and previous.due_at == spec.due_at else None
    if spec.state == MET:
        return replace(
            spec, warned_at=warned_at or spec.warned_at, breached_at=breached_at or spec.breached_at
        )
    if spec.state == PAUSED:
        return replace(spec, warned_at=warned_at)
    if breached_at is not None:
        escalation = previous.next_check_at if previous.state == BREACHED else None
        return replace(
            spec, state=BREACHED, warned_at=warned_at, breached_at=breached_at, next_check_at=escalation
        )
    if warned_at is not None:
        return replace(spec, state=WARNED, warned_at=warned_at, next_check_at=spec.due_at)
    return spec


__all__ = [
    "ACTIVE",
    "BREACHED",
    "ConversationFacts",
    "DeadlineSpec",
    "ENDING_STATUSES",
    "FIRST_RESPONSE",
    "MET",
    "MessageFact",
    "NEXT_RESPONSE",
    "PAUSED",
    "PAUSING_STATUSES",
    "PolicySpec",
    "QUEUE_CHANNELS",
    "QUEUE_WAIT",
    "RESOLUTION",
    "Segment",
    "SweepMarks",
    "UPDATE",
    "WARNED",
    "carry_over",
    "compute_deadlines",
    "matches",
    "select_policy",
]
