"""The breach sweep: limits, crashes, retries, store isolation, realtime, language, the task and races."""

# ruff: noqa: F811, F402 - the fixtures are imported by name
from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import connection, connections
from django.utils import timezone
from django_tasks import default_task_backend

from tests.conversations._sweep_helpers import (  # noqa: F401 - pytest fixtures
    T0,
    _english_store,
    conversation,
    make_policy,
    notified,
    put_deadline,
    run_enqueued,
    sla_events,
    sweep,
    team,
)
from tests.factories import make_agent, make_conversation, make_store
from zabota.conversations.models import Conversation, Deadline, DeadlineState, EventType
from zabota.conversations.sweep import Directory, notify_steps_task, sweep_deadlines, sweep_task
from zabota.notify.models import Notification


def test_limit_bounds_one_run_and_the_next_run_takes_the_rest(store, agent):
    policy = make_policy(store)
    rows = []
    for _n in range(3):
        conversation = make_conversation(store)
        Conversation.objects.filter(pk=conversation.pk).update(assignee=agent)
        rows.append(put_deadline(conversation, policy=policy))

    first = sweep(T0 + timedelta(minutes=6), limit=2, chunk=1)
    second = sweep(T0 + timedelta(minutes=6), limit=2, chunk=1)

    assert (first.warned, first.more, second.warned, second.more) == (2, True, 1, False)
    assert Deadline.objects.filter(state=DeadlineState.WARNED).count() == 3


def _three_due(store, agent) -> list[Conversation]:
    policy = make_policy(store)
    conversations = [make_conversation(store) for _ in range(3)]
    Conversation.objects.filter(pk__in=[c.pk for c in conversations]).update(assignee=agent)
    for conversation in conversations:
        put_deadline(conversation, policy=policy)
    return conversations


def test_a_crash_inside_the_sweep_moves_nothing_and_the_next_sweep_does_it_all_once(store, agent):
    conversations = _three_due(store, agent)
    from zabota.conversations import sweep as module

    default_task_backend.clear()  # type: ignore[attr-defined]
    with (
        mock.patch.object(module, "emit_many", side_effect=RuntimeError("worker killed")),
        pytest.raises(RuntimeError),
    ):
        sweep_deadlines(T0 + timedelta(minutes=6))
    assert Deadline.objects.filter(state=DeadlineState.WARNED).count() == 0
    assert sum(len(sla_events(c)) for c in conversations) == 0
    # (the dummy task backend is not transactional: the crashed run's task stays queued and runs too)

    result = sweep(T0 + timedelta(minutes=6))

    assert (result.warned, result.queued, result.notified) == (3, 3, 3)
    assert Notification.objects.count() == 3
    assert sum(len(sla_events(c)) for c in conversations) == 3


def test_a_notification_task_that_fails_half_way_is_retried_without_duplicates(store, agent):
    _three_due(store, agent)
    from zabota.conversations import sweep as module

    real, calls = module.notify, {"n": 0}

    def flaky(**kwargs: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("SMTP went away")
        return real(**kwargs)

    with mock.patch.object(module, "notify", new=flaky):
        result = sweep(T0 + timedelta(minutes=6))

    # first run: one made, then the failure (a retry is enqueued); the retry makes the other two
    assert (result.warned, calls["n"]) == (3, 5)
    assert Notification.objects.count() == 3


def test_a_step_that_no_longer_holds_is_not_told(conversation, store):
    row = put_deadline(conversation, policy=make_policy(store))
    default_task_backend.clear()  # type: ignore[attr-defined]
    sweep_deadlines(T0 + timedelta(minutes=6))
    # the agent answers before the worker gets to the notification task
    Deadline.objects.filter(pk=row.pk).update(state=DeadlineState.MET, next_check_at=None)

    assert run_enqueued() == 0
    assert notify_steps_task.call(store_id=store.pk, steps=[[row.pk, "warned"]]) == 0
    assert notified() == []


def test_other_stores_agents_are_never_told(conversation, store, other_store, lead):
    make_agent(other_store, role="lead", name="Чужой лид")
    make_agent(other_store, role="admin", name="Чужой админ")
    put_deadline(conversation, policy=make_policy(store, escalate_admin_after_minutes=1))

    sweep(T0 + timedelta(hours=1))
    sweep(T0 + timedelta(hours=2))

    stores = set(Notification.objects.values_list("agent__store_id", flat=True))
    assert stores == {store.pk}


def test_realtime_tells_the_inbox_after_commit(
    conversation, store, published, django_capture_on_commit_callbacks
):
    put_deadline(conversation, policy=make_policy(store))

    with django_capture_on_commit_callbacks(execute=True):
        sweep(T0 + timedelta(minutes=6))

    changes = [e for e in published if e.event == "sla.changed"]
    assert [(e.store_id, e.audience, e.payload) for e in changes] == [
        (store.pk, "agents", {"conversation_ids": [conversation.pk]})
    ]


def test_notifications_speak_the_store_language(conversation, store):
    store.locale = "ru"
    store.save(update_fields=["locale"])
    put_deadline(conversation, policy=make_policy(store))

    sweep(T0 + timedelta(minutes=6))

    assert Directory.load(store.pk).locale == "ru"
    assert Notification.objects.get().title.startswith(f"#{conversation.number}: ")


def test_the_task_runs_the_sweep(conversation, store):
    put_deadline(conversation, policy=make_policy(store), started=timezone.now() - timedelta(minutes=6))

    default_task_backend.clear()  # type: ignore[attr-defined]
    outcome = sweep_task.call()

    assert (outcome["warned"], outcome["queued"]) == (1, 1)
    assert (run_enqueued(), notified()) == (1, [(conversation.assignee_id, "sla.warned", mock.ANY)])


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite in tests is one in-memory connection; races run on PG"
)
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_transition_and_notify_each_row_once():
    store = make_store(slug="race-sweep")
    agent = make_agent(store, name="Гонка")
    policy = make_policy(store)
    conversations = [make_conversation(store) for _ in range(30)]
    Conversation.objects.filter(pk__in=[c.pk for c in conversations]).update(assignee=agent)
    for conversation in conversations:
        put_deadline(conversation, policy=policy)
    barrier = threading.Barrier(4)
    results = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(sweep_deadlines(T0 + timedelta(minutes=6), chunk=5))
            run_enqueued()  # the task backend is per thread
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    default_task_backend.clear()  # type: ignore[attr-defined]
    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(r.warned for r in results) == 30
    assert sum(r.queued for r in results) == 30
    assert Notification.objects.filter(store=store).count() == 30
    warned_events = sum(1 for c in conversations for t, _, _ in sla_events(c) if t == EventType.SLA_WARNED)
    assert warned_events == 30
