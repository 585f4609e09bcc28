"""The breach sweep: transitions, the escalation chain, breach actions, idempotence and races."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import connection, connections
from django.utils import timezone
from django_tasks import default_task_backend

from tests.conversations.helpers import delivered, subscribe, timeline
from tests.factories import make_agent, make_conversation, make_store, make_team
from zabota.conversations.models import Conversation, Deadline, DeadlineState, EventType
from zabota.conversations.sweep import Directory, SweepResult, notify_steps_task, sweep_deadlines, sweep_task
from zabota.core.scheduler import JOBS
from zabota.notify.models import Notification
from zabota.sla.models import Policy
from zabota.stores.models import Agent

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


def test_the_jobs_are_registered_with_the_scheduler():
    assert JOBS["sla.sweep"].task is sweep_task
    assert JOBS["sla.sweep"].every == timedelta(seconds=15)
    assert JOBS["conversations.queue_alerts"].every == timedelta(minutes=1)


def test_nothing_due_nothing_done(conversation):
    row = put_deadline(conversation, policy=make_policy(conversation.store))

    result = sweep(T0 + timedelta(minutes=4, seconds=59))

    assert (result.checked, result.warned, result.breached, result.notified) == (0, 0, 0, 0)
    row.refresh_from_db()
    assert row.state == DeadlineState.ACTIVE
    assert notified() == []


def test_warning_moves_the_row_records_an_event_and_tells_the_assignee(conversation, agent, lead, team):
    lead.teams.add(team)
    row = put_deadline(conversation, policy=make_policy(conversation.store))
    hook = subscribe(conversation.store, ["conversation.sla_warned", "conversation.sla_breached"])
    now = T0 + timedelta(minutes=6)

    result = sweep(now)

    assert (result.checked, result.warned, result.breached, result.notified) == (1, 1, 0, 1)
    row.refresh_from_db()
    assert (row.state, row.warned_at, row.next_check_at, row.breached_at) == (
        DeadlineState.WARNED,
        now,
        row.due_at,
        None,
    )
    assert notified() == [(agent.pk, "sla.warned", f"sla:{row.pk}:warned")]
    note = Notification.objects.get()
    assert note.severity == "warning"
    assert note.url == f"/c/{conversation.number}/"
    assert note.title == f"#{conversation.number}: First response target at risk"
    [(type_, actor_kind, payload)] = sla_events(conversation)
    assert (type_, actor_kind) == (EventType.SLA_WARNED, "system")
    assert payload["deadline_id"] == row.pk
    assert payload["kind"] == "first_response"
    assert delivered(hook) == ["conversation.sla_warned"]


def test_breach_tells_the_assignee_and_the_team_lead_not_other_leads(conversation, store, agent, lead, team):
    lead.teams.add(team)
    other_lead = make_agent(store, role="lead", name="Другой Лид")
    row = put_deadline(conversation, policy=make_policy(store), state=DeadlineState.WARNED)
    hook = subscribe(store, ["conversation.sla_breached"])
    now = T0 + timedelta(minutes=10)

    result = sweep(now)

    assert (result.warned, result.breached, result.notified) == (0, 1, 2)
    row.refresh_from_db()
    assert (row.state, row.breached_at, row.next_check_at) == (DeadlineState.BREACHED, now, None)
    assert notified() == [
        (agent.pk, "sla.breached", f"sla:{row.pk}:breached"),
        (lead.pk, "sla.breached", f"sla:{row.pk}:breached"),
    ]
    assert other_lead.pk not in [a for a, _, _ in notified()]
    assert Notification.objects.filter(agent=lead).get().severity == "critical"
    assert [t for t, _, _ in sla_events(conversation)] == [EventType.SLA_BREACHED]
    assert delivered(hook) == ["conversation.sla_breached"]


def test_a_row_past_due_skips_the_warning(conversation, store, agent):
    row = put_deadline(conversation, policy=make_policy(store))

    result = sweep(T0 + timedelta(hours=1))

    assert (result.warned, result.breached) == (0, 1)
    row.refresh_from_db()
    assert (row.state, row.warned_at) == (DeadlineState.BREACHED, None)
    assert [t for t, _, _ in sla_events(conversation)] == [EventType.SLA_BREACHED]


def test_sweeping_again_changes_nothing_and_notifies_nobody_twice(conversation, store, lead):
    row = put_deadline(conversation, policy=make_policy(store))
    sweep(T0 + timedelta(minutes=6))
    sweep(T0 + timedelta(minutes=11))
    before = (notified(), sla_events(conversation))

    again = sweep(T0 + timedelta(minutes=12))
    later = sweep(T0 + timedelta(days=1))

    assert (again.checked, later.checked, again.notified, later.notified) == (0, 0, 0, 0)
    assert (notified(), sla_events(conversation)) == before
    assert [k for _, _, k in notified()].count(f"sla:{row.pk}:warned") == 1


def test_unassigned_warning_goes_to_the_team(store, team):
    members = [make_agent(store, name=f"Член {n}") for n in range(2)]
    for member in members:
        member.teams.add(team)
    outsider = make_agent(store, name="Чужой")
    Agent.objects.filter(pk=outsider.pk).update(presence="online")
    conversation = make_conversation(store)
    Conversation.objects.filter(pk=conversation.pk).update(team=team, assignee=None)
    row = put_deadline(conversation, policy=make_policy(store))

    sweep(T0 + timedelta(minutes=6))

    assert notified() == [(m.pk, "sla.warned", f"sla:{row.pk}:warned") for m in members]


def test_unassigned_without_a_team_goes_to_online_agents_else_the_leads(store, lead):
    online, offline = make_agent(store, name="В сети"), make_agent(store, name="Не в сети")
    Agent.objects.filter(pk=online.pk).update(presence="online")
    first, second = make_conversation(store), make_conversation(store)
    Conversation.objects.filter(pk__in=[first.pk, second.pk]).update(assignee=None, team=None)
    row = put_deadline(first, policy=make_policy(store))

    sweep(T0 + timedelta(minutes=6))
    Agent.objects.filter(pk=online.pk).update(presence="away")
    later = put_deadline(second, policy=make_policy(store), started=T0 + timedelta(hours=1))
    sweep(T0 + timedelta(hours=1, minutes=6))

    assert notified(f"sla:{row.pk}:warned") == [(online.pk, "sla.warned", f"sla:{row.pk}:warned")]
    assert notified(f"sla:{later.pk}:warned") == [(lead.pk, "sla.warned", f"sla:{later.pk}:warned")]
    assert offline.pk not in [a for a, _, _ in notified()]


def test_breach_without_a_lead_in_the_team_tells_every_lead_and_without_leads_the_admins(
    conversation, store, agent
):
    store_leads = [make_agent(store, role="lead", name=f"Лид {n}") for n in range(2)]
    row = put_deadline(conversation, policy=make_policy(store), state=DeadlineState.WARNED)
    sweep(T0 + timedelta(minutes=10))
    assert sorted(a for a, _, _ in notified()) == sorted([agent.pk, *(x.pk for x in store_leads)])

    # a store with no leads at all: the admins hear about breaches
    lonely = make_store(slug="lonely")
    worker, boss = make_agent(lonely, name="Один"), make_agent(lonely, role="admin", name="Босс")
    other = make_conversation(lonely)
    Conversation.objects.filter(pk=other.pk).update(assignee=worker)
    other_row = put_deadline(other, policy=make_policy(lonely), state=DeadlineState.WARNED)
    sweep(T0 + timedelta(minutes=10))
    assert sorted(a for a, _, _ in notified(f"sla:{other_row.pk}:breached")) == sorted([worker.pk, boss.pk])
    assert row.pk != other_row.pk


def test_admins_are_told_after_the_escalation_delay_once(conversation, store, agent, lead, admin):
    policy = make_policy(store, escalate_admin_after_minutes=30)
    row = put_deadline(conversation, policy=policy, state=DeadlineState.WARNED)
    breach = T0 + timedelta(minutes=10)

    sweep(breach)
    row.refresh_from_db()
    assert row.next_check_at == breach + timedelta(minutes=30)
    assert sweep(breach + timedelta(minutes=29)).escalated == 0

    result = sweep(breach + timedelta(minutes=30))

    assert (result.escalated, result.notified) == (1, 1)
    assert notified(f"sla:{row.pk}:escalated") == [(admin.pk, "sla.escalated", f"sla:{row.pk}:escalated")]
    row.refresh_from_db()
    assert (row.state, row.next_check_at) == (DeadlineState.BREACHED, None)
    assert sweep(breach + timedelta(hours=5)).checked == 0
    assert Notification.objects.filter(agent=admin).count() == 1


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
