"""The breach sweep: the policy's breach actions, rows left alone and rescheduled check times."""

# ruff: noqa: F811 - the fixtures are imported by name
from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest

from tests.conversations._sweep_helpers import (  # noqa: F401 - pytest fixtures
    T0,
    _english_store,
    conversation,
    make_policy,
    notified,
    put_deadline,
    sweep,
    team,
)
from tests.conversations.helpers import timeline
from tests.factories import make_agent
from zabota.conversations.models import Conversation, Deadline, DeadlineState
from zabota.stores.models import Agent


def test_breach_actions_raise_priority_and_escalate_to_l2_as_the_system(conversation, store):
    policy = make_policy(store, breach_raise_priority=True, breach_escalate_l2=True)
    put_deadline(conversation, policy=policy, state=DeadlineState.WARNED)
    put_deadline(conversation, policy=policy, kind="resolution", state=DeadlineState.WARNED)

    result = sweep(T0 + timedelta(minutes=10))

    assert (result.breached, result.actions) == (2, 2)
    conversation.refresh_from_db()
    # two targets breached at once: the actions run once per conversation
    assert (conversation.priority, conversation.tier, conversation.assignee_id) == ("high", "l2", None)
    changes = [(t, k) for t, k, _a, _p in timeline(conversation) if t in ("priority_changed", "escalated")]
    assert changes == [("priority_changed", "system"), ("escalated", "system")]


def test_a_failing_breach_action_does_not_lose_the_breach(conversation, store, agent):
    gone = make_agent(store, name="Уволен", is_active=False)
    row = put_deadline(
        conversation, policy=make_policy(store, breach_reassign=True), state=DeadlineState.WARNED
    )

    with mock.patch("zabota.conversations.sweep._routing_pick", return_value=gone):
        result = sweep(T0 + timedelta(minutes=10))

    assert (result.breached, result.actions, result.notified) == (1, 0, 1)
    row.refresh_from_db()
    conversation.refresh_from_db()
    assert (row.state, conversation.assignee_id) == (DeadlineState.BREACHED, agent.pk)


def test_reassign_on_breach_asks_routing_for_another_agent(conversation, store, agent):
    colleague = make_agent(store, name="Коллега")
    policy = make_policy(store, breach_reassign=True)
    put_deadline(conversation, policy=policy, state=DeadlineState.WARNED)
    picks: list[list[int]] = []

    def pick_agent(conv: Conversation, *, exclude: Any = ()) -> Agent:
        picks.append(list(exclude))
        return colleague

    with mock.patch("zabota.conversations.sweep._routing_pick", new=pick_agent):
        sweep(T0 + timedelta(minutes=10))

    conversation.refresh_from_db()
    assert conversation.assignee_id == colleague.pk
    assert picks == [[agent.pk]]


def test_reassign_keeps_the_owner_when_nobody_is_free(conversation, store, agent):
    put_deadline(conversation, policy=make_policy(store, breach_reassign=True), state=DeadlineState.WARNED)

    with mock.patch("zabota.conversations.sweep._routing_pick", return_value=None):
        result = sweep(T0 + timedelta(minutes=10))

    conversation.refresh_from_db()
    assert (conversation.assignee_id, result.breached) == (agent.pk, 1)


@pytest.mark.parametrize("state", [DeadlineState.MET, DeadlineState.PAUSED, DeadlineState.BREACHED])
def test_rows_that_are_not_running_are_left_alone(conversation, store, state):
    row = put_deadline(conversation, policy=make_policy(store))
    Deadline.objects.filter(pk=row.pk).update(state=state, next_check_at=None)

    assert sweep(T0 + timedelta(days=3)).checked == 0
    row.refresh_from_db()
    assert row.state == state


def test_a_check_time_ahead_of_the_row_is_rescheduled_without_notifying(conversation, store):
    row = put_deadline(conversation, policy=make_policy(store))
    Deadline.objects.filter(pk=row.pk).update(next_check_at=T0)

    result = sweep(T0 + timedelta(minutes=1))

    assert (result.rescheduled, result.notified) == (1, 0)
    row.refresh_from_db()
    assert (row.state, row.next_check_at) == (DeadlineState.ACTIVE, row.warn_at)
