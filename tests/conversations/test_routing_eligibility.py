"""Routing: capacity, skills, presence, teams, stores, the sticky owner and tiers."""

from __future__ import annotations

import pytest

from tests.conversations._routing_helpers import assignee_name as _assignee
from tests.conversations._routing_helpers import online as _online
from tests.conversations._routing_helpers import set_mode as _mode
from tests.factories import make_agent, make_conversation, make_customer, make_team
from zabota.conversations import actions
from zabota.conversations.routing import pick_agent, route
from zabota.stores.actors import Actor

# capacity, skills, presence, team, store


def test_capacity_per_channel_is_respected(store):
    _online(store, "Оля", capacity=10, channel_capacity={"chat": 1})

    first = make_conversation(store, channel="chat")
    second = make_conversation(store, channel="chat")
    email = make_conversation(store, channel="email")

    assert [_assignee(first), _assignee(second), _assignee(email)] == ["Оля", None, "Оля"]


def test_pending_and_solved_conversations_do_not_count_as_load(store, agent):
    olya = _online(store, "Оля", capacity=1)
    first = make_conversation(store)
    actions.set_status(conversation=first, status="pending", by=Actor.system())

    second = make_conversation(store)

    assert [_assignee(first), _assignee(second)] == ["Оля", "Оля"]
    assert olya.capacity_for("chat") == 1


def test_skills_decide_who_gets_a_category(store):
    _online(store, "Доставка", skills=["delivery"])
    _online(store, "Возвраты", skills=["return"])

    conversation = make_conversation(store, category="return")
    nobody = make_conversation(store, category="payment")

    assert [_assignee(conversation), _assignee(nobody)] == ["Возвраты", None]


@pytest.mark.parametrize(
    "kwargs",
    [{"presence": "away"}, {"presence": "offline"}, {"presence": "online", "is_active": False}],
    ids=["away", "offline", "deactivated"],
)
def test_agents_who_are_not_online_and_active_are_skipped(store, kwargs):
    make_agent(store, name="Нет на месте", **kwargs)

    assert _assignee(make_conversation(store)) is None


def test_a_conversation_with_a_team_goes_to_that_teams_agents(store, agent):
    team = make_team(store, "Возвраты")
    member = _online(store, "Из команды", channel_capacity={"chat": 5})
    member.teams.add(team)
    _mode(store, "manual")
    conversation = make_conversation(store)
    outsider = _online(store, "Не из команды")
    for _ in range(3):  # the member is the busier one, yet the only one allowed
        actions.assign(conversation=make_conversation(store), to=member, by=Actor.system())
    actions.set_team(conversation=conversation, team=team, by=Actor.system())

    routed = route(conversation, Actor.of_agent(agent))

    assert (routed, outsider.presence) == (member, "online")


def test_another_stores_agent_is_never_picked(store, other_store):
    _online(other_store, "Чужой")

    conversation = make_conversation(store)

    assert _assignee(conversation) is None
    assert pick_agent(conversation) is None


def test_sticky_owner_gets_the_returning_customer(store):
    customer = make_customer(store)
    owner = _online(store, "Прежний")
    _online(store, "Другой")
    first = make_conversation(store, customer=customer, channel="email")
    actions.assign(conversation=first, to=owner, by=Actor.system())
    for _ in range(2):  # the owner is busier than the other agent
        actions.assign(conversation=make_conversation(store, channel="email"), to=owner, by=Actor.system())

    returning = make_conversation(store, customer=customer, channel="chat")

    assert _assignee(returning) == "Прежний"


def test_sticky_owner_off_uses_the_mode(store):
    _mode(store, "least_loaded", sticky_owner=False)
    customer = make_customer(store)
    owner = _online(store, "Прежний")
    _online(store, "Другой")
    actions.assign(conversation=make_conversation(store, customer=customer), to=owner, by=Actor.system())
    actions.assign(conversation=make_conversation(store, channel="email"), to=owner, by=Actor.system())

    returning = make_conversation(store, customer=customer, channel="email")

    assert _assignee(returning) == "Другой"


def test_an_l2_conversation_is_routed_only_to_l2(store, agent):
    _mode(store, "manual")
    _online(store, "Первая линия")
    conversation = make_conversation(store)
    actions.escalate(conversation=conversation, by=Actor.system())

    none_yet = route(conversation, Actor.of_agent(agent))
    expert = _online(store, "Эксперт", tier="l2")
    routed = route(conversation, Actor.of_agent(agent))

    assert (none_yet, routed) == (None, expert)
