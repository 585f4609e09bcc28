"""The breach sweep: registration, transitions and the escalation chain."""

# ruff: noqa: F811 - the fixtures are imported by name
from __future__ import annotations

from datetime import timedelta

from tests.conversations._sweep_helpers import (  # noqa: F401 - pytest fixtures
    T0,
    _english_store,
    conversation,
    make_policy,
    notified,
    put_deadline,
    sla_events,
    sweep,
    team,
)
from tests.conversations.helpers import delivered, subscribe
from tests.factories import make_agent, make_conversation, make_store
from zabota.conversations.models import Conversation, DeadlineState, EventType
from zabota.conversations.sweep import sweep_task
from zabota.core.scheduler import JOBS
from zabota.notify.models import Notification
from zabota.stores.models import Agent


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
