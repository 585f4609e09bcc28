"""The pure SLA engine: policy selection and every target kind from plain facts (no database)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zabota.sla import engine
from zabota.sla.deadlines import Calendar
from zabota.sla.engine import ConversationFacts, MessageFact, PolicySpec

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
WORKWEEK = Calendar.from_dict(
    {"timezone": "UTC", "week": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}}
)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def facts(**kwargs) -> ConversationFacts:
    base = {"channel": "email", "category": "order", "priority": "normal", "created_at": T0}
    base.update(kwargs)
    return ConversationFacts(**base)


def customer(minutes: float) -> MessageFact:
    return MessageFact(at(minutes), "customer")


def agent(minutes: float) -> MessageFact:
    return MessageFact(at(minutes), "agent")


def by_key(specs):
    return {s.key: s for s in specs}


POLICY = PolicySpec(id=1, name="Email", first_response_minutes=60, warn_percent=75)


# --- selection --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "matches"),
    [
        ({}, True),
        ({"channels": ("email", "chat")}, True),
        ({"channels": ("chat",)}, False),
        ({"categories": ("order",)}, True),
        ({"categories": ("return",)}, False),
        ({"priorities": ("high", "urgent")}, False),
        ({"customer_tags": ("vip",)}, True),
        ({"customer_tags": ("wholesale",)}, False),
        ({"team_id": 7}, True),
        ({"team_id": 8}, False),
    ],
    ids=[
        "any",
        "channel",
        "other-channel",
        "category",
        "other-category",
        "priority",
        "tag-case-insensitive",
        "other-tag",
        "team",
        "other-team",
    ],
)
def test_every_condition_must_match(conditions, matches):
    policy = PolicySpec(id=1, name="p", first_response_minutes=5, **conditions)
    conversation = facts(customer_tags=("VIP", "опт"), team_id=7)
    assert engine.matches(policy, conversation) is matches


def test_first_matching_policy_wins():
    vip = PolicySpec(id=1, name="VIP", customer_tags=("VIP",), first_response_minutes=30)
    email = PolicySpec(id=2, name="Email", channels=("email",), first_response_minutes=60)
    assert engine.select_policy(facts(customer_tags=("VIP",)), [vip, email]) is vip
    assert engine.select_policy(facts(), [vip, email]) is email
    assert engine.select_policy(facts(channel="chat"), [vip, email]) is None


# --- first response ---------------------------------------------------------------------------------


def test_first_response_runs_until_the_first_agent_reply():
    running = by_key(engine.compute_deadlines(facts(messages=(customer(0),)), POLICY, None))
    spec = running[("first_response", 0)]
    assert (spec.state, spec.due_at, spec.warn_at, spec.next_check_at) == ("active", at(60), at(45), at(45))

    met = by_key(
        engine.compute_deadlines(
            facts(messages=(customer(0), MessageFact(at(5), "bot"), agent(20))), POLICY, None
        )
    )[("first_response", 0)]
    assert (met.state, met.met_at, met.breached_at, met.next_check_at) == ("met", at(20), None, None)


def test_a_late_first_response_is_met_and_keeps_the_breach():
    spec = by_key(engine.compute_deadlines(facts(messages=(customer(0), agent(90))), POLICY, None))[
        ("first_response", 0)
    ]
    assert (spec.state, spec.met_at, spec.warned_at, spec.breached_at) == ("met", at(90), at(45), at(60))


def test_pending_pauses_the_clock_and_keeps_what_is_left():
    # 20 minutes run, then pending for an hour, then open again
    paused = facts(messages=(customer(0),), statuses=((at(20), "pending"),))
    spec = by_key(engine.compute_deadlines(paused, POLICY, None))[("first_response", 0)]
    assert (spec.state, spec.due_at, spec.remaining_minutes, spec.next_check_at) == ("paused", None, 40, None)

    resumed = facts(messages=(customer(0),), statuses=((at(20), "pending"), (at(80), "open")))
    spec = by_key(engine.compute_deadlines(resumed, POLICY, None))[("first_response", 0)]
    assert (spec.state, spec.due_at, spec.warn_at, spec.remaining_minutes) == (
        "active",
        at(120),
        at(105),
        None,
    )


def test_on_hold_after_the_warning_keeps_the_warning_time():
    conversation = facts(messages=(customer(0),), statuses=((at(50), "on_hold"),))
    spec = by_key(engine.compute_deadlines(conversation, POLICY, None))[("first_response", 0)]
    assert (spec.state, spec.warn_at, spec.remaining_minutes) == ("paused", at(45), 10)


def test_business_time_skips_nights_and_weekends():
    policy = PolicySpec(id=1, name="p", first_response_minutes=120, first_response_business=True)
    friday_four = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    conversation = facts(created_at=friday_four, messages=(MessageFact(friday_four, "customer"),))
    spec = engine.compute_deadlines(conversation, policy, WORKWEEK)[0]
    assert spec.due_at == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
    assert spec.warn_at == datetime(2026, 3, 9, 9, 30, tzinfo=UTC)
    assert spec.business_time is True


def test_business_time_with_a_pause():
    policy = PolicySpec(id=1, name="p", first_response_minutes=120, first_response_business=True)
    # Monday 16:00: 30 business minutes run, pending from 16:30 to Tuesday 12:00, 90 minutes left
    monday = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    conversation = facts(
        created_at=monday,
        statuses=(
            (monday + timedelta(minutes=30), "pending"),
            (datetime(2026, 3, 3, 12, 0, tzinfo=UTC), "open"),
        ),
    )
    spec = engine.compute_deadlines(conversation, policy, WORKWEEK)[0]
    assert spec.due_at == datetime(2026, 3, 3, 13, 30, tzinfo=UTC)


# --- next response and updates ----------------------------------------------------------------------


def test_each_customer_message_after_a_reply_opens_a_next_response_cycle():
    policy = PolicySpec(id=1, name="p", first_response_minutes=60, next_response_minutes=30)
    conversation = facts(
        messages=(customer(0), agent(10), customer(20), customer(25), agent(70), customer(100))
    )
    specs = by_key(engine.compute_deadlines(conversation, policy, None))
    assert sorted(specs) == [("first_response", 0), ("next_response", 1), ("next_response", 2)]
    second = specs[("next_response", 1)]
    assert (second.started_at, second.met_at, second.breached_at, second.state) == (
        at(20),
        at(70),
        at(50),
        "met",
    )
    third = specs[("next_response", 2)]
    assert (third.started_at, third.state, third.due_at) == (at(100), "active", at(130))


def test_updates_are_due_after_every_agent_reply():
    policy = PolicySpec(id=1, name="p", update_minutes=120)
    conversation = facts(messages=(customer(0), agent(10), agent(200)))
    specs = by_key(engine.compute_deadlines(conversation, policy, None))
    assert sorted(specs) == [("update", 1), ("update", 2)]
    assert (specs[("update", 1)].state, specs[("update", 1)].breached_at) == ("met", at(130))
    assert (specs[("update", 2)].state, specs[("update", 2)].due_at) == ("active", at(320))


def test_a_solve_ends_response_cycles_and_drops_a_pending_update():
    policy = PolicySpec(id=1, name="p", first_response_minutes=60, update_minutes=120)
    conversation = facts(messages=(customer(0), agent(10)), statuses=((at(10.5), "solved"),))
    specs = by_key(engine.compute_deadlines(conversation, policy, None))
    assert sorted(specs) == [("first_response", 0)]


# --- resolution and queue wait ----------------------------------------------------------------------


def test_resolution_is_met_at_the_solve_and_a_reopen_resumes_it():
    policy = PolicySpec(id=1, name="p", resolution_minutes=240)
    solved = facts(messages=(customer(0),), statuses=((at(100), "solved"),))
    spec = engine.compute_deadlines(solved, policy, None)[0]
    assert (spec.state, spec.met_at, spec.due_at) == ("met", at(100), at(240))

    # solved for 300 minutes, then the customer writes again: 140 minutes are left from the reopen
    reopened = facts(messages=(customer(0), customer(400)), statuses=((at(100), "solved"), (at(400), "open")))
    spec = engine.compute_deadlines(reopened, policy, None)[0]
    assert (spec.state, spec.due_at, spec.met_at) == ("active", at(540), None)


def test_queue_wait_counts_seconds_until_assignment_for_calls_only():
    policy = PolicySpec(id=1, name="Calls", queue_wait_seconds=20, warn_percent=50)
    call = facts(channel="phone", created_at=T0)
    spec = engine.compute_deadlines(call, policy, None)[0]
    assert (spec.kind, spec.due_at, spec.warn_at) == (
        "queue_wait",
        T0 + timedelta(seconds=20),
        T0 + timedelta(seconds=10),
    )

    answered = facts(channel="phone", assignments=(T0 + timedelta(seconds=25),))
    spec = engine.compute_deadlines(answered, policy, None)[0]
    assert (spec.state, spec.breached_at) == ("met", T0 + timedelta(seconds=20))
    assert engine.compute_deadlines(facts(channel="email"), policy, None) == []


# --- sweep marks and determinism --------------------------------------------------------------------


def test_carry_over_keeps_the_sweep_marks_while_times_do_not_change():
    spec = engine.compute_deadlines(facts(messages=(customer(0),)), POLICY, None)[0]
    seen = engine.SweepMarks("breached", spec.warn_at, spec.due_at, at(46), at(61), None)
    kept = engine.carry_over(spec, seen)
    assert (kept.state, kept.warned_at, kept.breached_at, kept.next_check_at) == (
        "breached",
        at(46),
        at(61),
        None,
    )

    warned = engine.SweepMarks("warned", spec.warn_at, spec.due_at, at(46), None, None)
    assert (engine.carry_over(spec, warned).state, engine.carry_over(spec, warned).next_check_at) == (
        "warned",
        at(60),
    )
    moved = engine.SweepMarks("breached", at(10), at(20), at(11), at(21), None)
    assert engine.carry_over(spec, moved) == spec


_EVENTS = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=2000),
        st.sampled_from(["customer", "agent", "bot", "pending", "open", "on_hold", "solved", "assign"]),
    ),
    max_size=25,
)
_FULL = PolicySpec(
    id=1,
    name="all",
    first_response_minutes=60,
    next_response_minutes=30,
    update_minutes=90,
    resolution_minutes=600,
    first_response_business=True,
    resolution_business=True,
    queue_wait_seconds=120,
)


def _facts_from(events) -> ConversationFacts:
    messages, statuses, assignments = [], [], []
    for minute, kind in sorted(events):
        if kind in ("customer", "agent", "bot"):
            messages.append(MessageFact(at(minute), kind))
        elif kind == "assign":
            assignments.append(at(minute))
        else:
            statuses.append((at(minute), kind))
    return facts(
        channel="chat",
        messages=tuple(messages),
        statuses=tuple(statuses),
        assignments=tuple(assignments),
    )


@settings(max_examples=150, deadline=None)
@given(_EVENTS)
def test_the_same_facts_always_give_the_same_rows(events):
    conversation = _facts_from(events)
    first = engine.compute_deadlines(conversation, _FULL, WORKWEEK, at(0))
    again = engine.compute_deadlines(conversation, _FULL, WORKWEEK, at(5000))
    assert first == again
    keys = [s.key for s in first]
    assert len(keys) == len(set(keys))
    for spec in first:
        assert spec.state in ("active", "met", "paused")
        if spec.state == "active":
            assert spec.due_at is not None
            assert spec.next_check_at is not None
            assert spec.warn_at is not None
            assert spec.warn_at <= spec.due_at
        if spec.state == "paused":
            assert spec.due_at is None
            assert spec.remaining_minutes is not None
        if spec.state == "met":
            assert spec.met_at is not None
            assert spec.met_at >= spec.started_at


def test_rows_do_not_depend_on_the_order_facts_arrive_in():
    rng = random.Random(3)
    events = [
        (rng.randrange(1, 3000), rng.choice(["customer", "agent", "pending", "open"])) for _ in range(30)
    ]
    shuffled = events[:]
    rng.shuffle(shuffled)
    assert engine.compute_deadlines(_facts_from(events), _FULL, WORKWEEK) == engine.compute_deadlines(
        _facts_from(shuffled), _FULL, WORKWEEK
    )
