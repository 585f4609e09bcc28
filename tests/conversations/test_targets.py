"""Deadline rows follow the conversation's events through the actions (``conversations/targets.py``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_conversation, make_customer, make_message, make_team
from zabota.conversations import actions
from zabota.conversations.models import Deadline
from zabota.conversations.targets import refresh_targets
from zabota.customers.actions import update_customer
from zabota.sla import actions as sla_actions
from zabota.sla.deadlines import due_at
from zabota.sla.models import BusinessCalendar, Policy
from zabota.stores.actors import Actor


@pytest.fixture
def defaults(store):
    return sla_actions.ensure_default_policies(store=store)


def rows(conversation):
    return {
        (d.kind, d.seq): d for d in Deadline.objects.filter(conversation=conversation).order_by("kind", "seq")
    }


def snapshot(conversation):
    return [
        (
            d.kind,
            d.seq,
            d.state,
            d.due_at,
            d.warn_at,
            d.remaining_minutes,
            d.next_check_at,
            d.warned_at,
            d.breached_at,
            d.met_at,
            d.policy_name,
        )
        for d in Deadline.objects.filter(conversation=conversation).order_by("kind", "seq")
    ]


def test_no_policy_no_deadlines(store):
    conversation = make_conversation(store, channel="chat")
    assert Deadline.objects.filter(conversation=conversation).count() == 0


def test_defaults_are_created_once(store, defaults):
    assert [p.name for p in defaults] == [
        "VIP customers",
        "VIP chats",
        "Calls",
        "Chats",
        "Email, forms and messengers",
    ]
    assert [p.position for p in defaults] == [10, 20, 30, 40, 50]
    assert len(sla_actions.ensure_default_policies(store=store)) == 5
    assert Policy.objects.for_store(store).count() == 5
    assert BusinessCalendar.objects.for_store(store).get().team_id is None


def test_a_chat_gets_first_response_and_resolution_targets(store, defaults):
    conversation = make_conversation(store, channel="chat")
    found = rows(conversation)
    assert sorted(found) == [("first_response", 0), ("resolution", 0)]
    first = found[("first_response", 0)]
    assert (first.state, first.policy_name, first.target_minutes, first.business_time) == (
        "active",
        "Chats",
        5,
        False,
    )
    assert first.due_at - first.started_at == timedelta(minutes=5)
    assert first.next_check_at == first.warn_at == first.started_at + timedelta(minutes=3, seconds=45)
    assert first.store_id == store.pk


def test_an_email_counts_business_minutes_of_the_store_calendar(store, defaults):
    conversation = make_conversation(store, channel="email")
    first = rows(conversation)[("first_response", 0)]
    calendar = BusinessCalendar.objects.for_store(store).get().to_calendar()
    assert first.business_time is True
    assert first.due_at == due_at(first.started_at, 60, calendar)
    assert first.policy_name == "Email, forms and messengers"


def test_reply_meets_the_first_response_and_a_new_message_opens_a_next_response(store, agent, defaults):
    conversation = make_conversation(store, channel="chat")
    actions.reply(conversation=conversation, text="Здравствуйте!", by=Actor.of_agent(agent))
    first = rows(conversation)[("first_response", 0)]
    assert (first.state, first.next_check_at, first.breached_at) == ("met", None, None)
    assert first.met_at is not None

    make_message(conversation, "А когда доставка?")
    following = rows(conversation)[("next_response", 1)]
    assert (following.state, following.target_minutes) == ("active", 60)


def test_pending_pauses_and_open_resumes(store, agent, defaults):
    conversation = make_conversation(store, channel="chat")
    by = Actor.of_agent(agent)
    actions.set_status(conversation=conversation, status="pending", by=by)
    paused = rows(conversation)[("first_response", 0)]
    assert (paused.state, paused.due_at, paused.next_check_at) == ("paused", None, None)
    assert paused.remaining_minutes == 5

    actions.set_status(conversation=conversation, status="open", by=by)
    resumed = rows(conversation)[("first_response", 0)]
    assert resumed.state == "active"
    assert resumed.due_at > resumed.started_at + timedelta(minutes=5)


def test_solving_meets_the_resolution_and_a_customer_reply_reopens_it(store, agent, defaults):
    conversation = make_conversation(store, channel="chat")
    actions.set_status(conversation=conversation, status="solved", by=Actor.of_agent(agent))
    assert rows(conversation)[("resolution", 0)].state == "met"
    make_message(conversation, "Нет, не решено")
    found = rows(conversation)
    assert found[("resolution", 0)].state == "active"
    assert found[("next_response", 1)].state == "active"


def test_priority_change_switches_the_policy(store, agent, defaults):
    urgent = sla_actions.save_policy(
        store=store,
        by=Actor.system(),
        fields=sla_actions.PolicyFields(name="Urgent", priorities=["urgent"], first_response_minutes=2),
    )
    sla_actions.move_policy(policy=urgent, by=Actor.system(), up=True)
    for _ in range(5):
        sla_actions.move_policy(policy=urgent, by=Actor.system(), up=True)
    conversation = make_conversation(store, channel="chat")
    actions.set_priority(conversation=conversation, priority="urgent", by=Actor.of_agent(agent))
    found = rows(conversation)
    assert sorted(found) == [("first_response", 0)]
    assert (found[("first_response", 0)].policy_name, found[("first_response", 0)].target_minutes) == (
        "Urgent",
        2,
    )


def test_vip_customer_tag_selects_the_vip_policy(store, defaults):
    customer = make_customer(store)
    update_customer(customer=customer, by=Actor.system(), tags=["vip"])
    conversation = make_conversation(store, customer=customer, channel="chat")
    assert rows(conversation)[("first_response", 0)].policy_name == "VIP chats"
    assert rows(conversation)[("queue_wait", 0)].target_minutes == 0


def test_team_calendar_is_used_for_the_team(store, agent, defaults):
    team = make_team(store, "Ночная смена")
    sla_actions.save_calendar(
        store=store,
        by=Actor.system(),
        name="Ночь",
        timezone="Europe/Moscow",
        week={d: [["22:00", "06:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        team=team,
    )
    conversation = make_conversation(store, channel="email")
    actions.set_team(conversation=conversation, team=team, by=Actor.of_agent(agent))
    first = rows(conversation)[("first_response", 0)]
    night = BusinessCalendar.objects.get(team=team).to_calendar()
    assert first.due_at == due_at(first.started_at, 60, night)


def test_refresh_is_idempotent_and_writes_nothing_the_second_time(
    store, agent, defaults, django_assert_num_queries
):
    conversation = make_conversation(store, channel="chat")
    actions.reply(conversation=conversation, text="Минуту", by=Actor.of_agent(agent))
    make_message(conversation, "Жду")
    before = snapshot(conversation)
    # conversation, policies, events, deadlines; nothing written
    with django_assert_num_queries(4):
        refresh_targets([conversation.pk])
    assert snapshot(conversation) == before


def test_the_sweep_marks_survive_a_recompute(store, agent, defaults):
    conversation = make_conversation(store, channel="chat")
    first = rows(conversation)[("first_response", 0)]
    seen = first.warn_at + timedelta(seconds=3)
    Deadline.objects.filter(pk=first.pk).update(state="warned", warned_at=seen, next_check_at=first.due_at)
    actions.add_tags(conversation=conversation, names=["доставка"], by=Actor.of_agent(agent))
    actions.set_category(conversation=conversation, category="delivery", by=Actor.of_agent(agent))
    again = rows(conversation)[("first_response", 0)]
    assert (again.state, again.warned_at, again.next_check_at) == ("warned", seen, first.due_at)

    Deadline.objects.filter(pk=first.pk).update(
        state="breached", breached_at=first.due_at, next_check_at=None
    )
    actions.reply(conversation=conversation, text="Простите за ожидание", by=Actor.of_agent(agent))
    met = rows(conversation)[("first_response", 0)]
    assert (met.state, met.warned_at, met.breached_at) == ("met", seen, first.due_at)


def test_met_rows_are_history_when_the_policy_goes_away(store, agent, defaults):
    conversation = make_conversation(store, channel="chat")
    actions.reply(conversation=conversation, text="Да", by=Actor.of_agent(agent))
    Policy.objects.for_store(store).delete()
    make_message(conversation, "Ещё")
    assert {k: d.state for k, d in rows(conversation).items()} == {("first_response", 0): "met"}


def test_merge_closes_the_source_targets(store, agent, defaults):
    customer = make_customer(store)
    source = make_conversation(store, customer=customer, channel="email")
    target = make_conversation(store, customer=customer, channel="webform")
    actions.merge_conversations(source=source, target=target, by=Actor.of_agent(agent))
    assert {d.state for d in rows(source).values()} == {"met"}
    assert rows(target)[("first_response", 0)].state == "active"


def test_customer_tags_from_the_profile_apply_to_open_conversations(store, admin, defaults, client):
    conversation = make_conversation(store, channel="chat")
    client.force_login(admin.user)
    response = client.post(f"/customers/{conversation.customer_id}/tags/", {"tags": "VIP, опт"}, follow=False)
    assert response.status_code == 302
    conversation.customer.refresh_from_db()
    assert conversation.customer.tags == ["VIP", "опт"]
    assert rows(conversation)[("first_response", 0)].policy_name == "VIP chats"


def test_another_stores_conversation_never_sees_this_stores_policy(store, other_store, defaults):
    conversation = make_conversation(other_store, channel="chat")
    assert Deadline.objects.filter(conversation=conversation).count() == 0
