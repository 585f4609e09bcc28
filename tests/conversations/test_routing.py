"""Routing new conversations to online agents: modes, capacity, skills, tiers, sticky owner, teams, races."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_agent, make_conversation, make_customer, make_store, make_team
from zabota.connectors.inbound import Inbound
from zabota.conversations import actions
from zabota.conversations.models import Conversation, EventType
from zabota.conversations.routing import Candidate, choose, pick_agent, route
from zabota.core.errors import Conflict, PermissionDenied
from zabota.stores.actors import Actor
from zabota.stores.models import Store


def _mode(store: Store, mode: str = "least_loaded", **extra: bool) -> None:
    store.options = {**store.options, "routing": {"mode": mode, **extra}}
    store.save()


def _online(store: Store, name: str, **kwargs):
    return make_agent(store, name=name, presence="online", **kwargs)


def _assignee(conversation: Conversation) -> str | None:
    conversation.refresh_from_db()
    return conversation.assignee.display_name if conversation.assignee else None


# the pure choice


C = Candidate


@pytest.mark.parametrize(
    ("candidates", "kwargs", "expected"),
    [
        ([C(1, "l1", 2, 5), C(2, "l1", 1, 5)], {}, 2),
        ([C(1, "l1", 1, 2), C(2, "l1", 2, 10)], {}, 2),  # ratio 0.5 vs 0.2
        ([C(1, "l1", 1, 5), C(2, "l1", 1, 5)], {}, 1),  # tie: lower id
        ([C(1, "l1", 3, 3), C(2, "l1", 0, 0)], {}, None),  # nobody has room
        ([C(1, "l1", 0, 5, ("delivery",)), C(2, "l1", 4, 5)], {"category": "order"}, 2),
        ([C(1, "l1", 0, 5, ("order",)), C(2, "l1", 4, 5)], {"category": "order"}, 1),
        ([C(1, "l1", 4, 5), C(2, "l2", 0, 5)], {}, 1),  # L1 first
        ([C(1, "l1", 5, 5), C(2, "l2", 0, 5)], {}, 2),  # overflow to L2
        ([C(1, "l1", 4, 5), C(2, "l2", 0, 5)], {"l1_first": False}, 2),
        ([C(1, "l1", 0, 5), C(2, "l2", 4, 5)], {"tier": "l2"}, 2),
        ([C(1, "l1", 0, 5)], {"tier": "l2"}, None),
        ([C(1, "l1", 0, 5), C(2, "l2", 4, 5)], {"sticky_agent_id": 2}, 2),
        ([C(1, "l1", 0, 5), C(2, "l1", 5, 5)], {"sticky_agent_id": 2}, 1),  # sticky owner full
        (
            [C(3, "l1", 0, 5), C(1, "l1", 0, 5), C(2, "l1", 0, 5)],
            {"mode": "round_robin", "turn": lambda: 7},
            2,
        ),
    ],
    ids=[
        "least-load",
        "least-ratio",
        "tie-lower-id",
        "no-room",
        "skill-missing",
        "skill-match",
        "l1-first",
        "l2-overflow",
        "l1-first-off",
        "l2-only-l2",
        "l2-without-l2-agents",
        "sticky",
        "sticky-full",
        "round-robin-turn",
    ],
)
def test_choose(candidates, kwargs, expected):
    options = {"category": "other", "tier": "l1", "mode": "least_loaded", **kwargs}

    assert choose(candidates, **options) == expected


# modes on the database


def test_least_loaded_sends_a_new_chat_to_the_agent_with_most_room(store):
    _mode(store)
    busy = _online(store, "Занятая")
    _online(store, "Свободный")
    for _ in range(2):
        actions.assign(conversation=make_conversation(store), to=busy, by=Actor.system())

    conversation = make_conversation(store)

    assert _assignee(conversation) == "Свободный"


def test_round_robin_takes_agents_in_turn(store):
    _mode(store, "round_robin")
    for name in ("А", "Б", "В"):
        _online(store, name)

    names = [_assignee(make_conversation(store)) for _ in range(4)]

    assert sorted(names[:3]) == ["А", "Б", "В"]
    assert names[3] == names[0]


def test_manual_mode_assigns_nothing_but_route_now_still_works(store, agent):
    _mode(store, "manual")
    _online(store, "Дежурный")

    conversation = make_conversation(store)
    unassigned = _assignee(conversation)
    routed = route(conversation, Actor.of_agent(agent))

    assert (unassigned, routed.display_name if routed else None) == (None, "Дежурный")
    assert _assignee(conversation) == "Дежурный"


def test_default_mode_is_least_loaded(store):
    _online(store, "Дежурный")

    assert _assignee(make_conversation(store)) == "Дежурный"


def test_routing_records_an_assignment_by_the_system(store):
    _online(store, "Дежурный")

    conversation = make_conversation(store)

    event = conversation.events.get(type=EventType.ASSIGNED)
    assert (event.actor_kind, event.payload["to_name"]) == ("system", "Дежурный")


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


# where routing runs


def test_a_conversation_an_agent_opens_stays_with_them(store, agent):
    _online(store, "Дежурный")

    conversation = actions.open_conversation(
        store=store, customer=make_customer(store), channel="email", by=Actor.of_agent(agent)
    )

    assert _assignee(conversation) is None


def test_a_follow_up_message_does_not_reroute(store):
    olya = _online(store, "Оля")
    conversation = make_conversation(store)
    _online(store, "Коля")
    actions.assign(conversation=conversation, to=None, by=Actor.system())

    actions.receive_message(
        store=store,
        customer=conversation.customer,
        channel="chat",
        text="Ещё",
        by=Actor.customer(),
        conversation=conversation,
    )

    assert (_assignee(conversation), olya.presence) == (None, "online")


def test_the_batch_path_routes_new_conversations(store):
    _mode(store, "round_robin")
    _online(store, "А")
    _online(store, "Б")
    inbounds = [
        Inbound(channel="chat", identity_kind="email", identity_value=f"c{n}@x.ru", text="Привет")
        for n in range(4)
    ]

    results = actions.receive_batch(store=store, inbounds=inbounds)

    names = [_assignee(Conversation.objects.get(pk=r.conversation_id)) for r in results]
    assert sorted(names) == ["А", "А", "Б", "Б"]


def test_the_batch_path_costs_one_query_when_nobody_is_online(store):
    make_agent(store, presence="offline")
    inbounds = [
        Inbound(channel="chat", identity_kind="email", identity_value=f"b{n}@x.ru", text="Привет")
        for n in range(10)
    ]

    with CaptureQueriesContext(connection) as queries:
        actions.receive_batch(store=store, inbounds=inbounds)

    routing = [q["sql"] for q in queries.captured_queries if '"stores_agent"' in q["sql"]]
    assert len(routing) == 1


# Route now: permissions and errors


def test_route_now_refuses_closed_conversations(store, agent):
    _mode(store, "manual")
    conversation = make_conversation(store)
    actions.set_status(conversation=conversation, status="closed", by=Actor.system())
    _online(store, "Дежурный")

    with pytest.raises(Conflict):
        route(conversation, Actor.of_agent(agent))

    assert _assignee(conversation) is None


def test_an_agent_cannot_reroute_a_colleagues_conversation_but_a_lead_can(store, agent, lead):
    _mode(store, "manual")
    colleague = _online(store, "Коллега")
    _online(store, "Дежурный")
    conversation = make_conversation(store)
    actions.assign(conversation=conversation, to=colleague, by=Actor.system())

    with pytest.raises(PermissionDenied):
        route(conversation, Actor.of_agent(agent))
    routed = route(conversation, Actor.of_agent(lead))

    assert routed is not None
    assert routed.display_name == "Дежурный"


def test_route_now_button_on_the_conversation_page(client, store, agent):
    _mode(store, "manual")
    _online(store, "Дежурный")
    conversation = make_conversation(store)
    client.force_login(agent.user)

    page = client.get(reverse("conversation", args=[conversation.number]))
    response = client.post(
        reverse("conversation_route", args=[conversation.number]), headers={"HX-Request": "true"}
    )

    assert reverse("conversation_route", args=[conversation.number]) in page.content.decode()
    assert response.status_code == 200
    assert "Routed to Дежурный." in response.content.decode()
    assert _assignee(conversation) == "Дежурный"


def test_route_now_from_the_inbox_returns_to_the_inbox(client, store, agent):
    _mode(store, "manual")
    conversation = make_conversation(store)
    client.force_login(agent.user)
    inbox = client.get(reverse("inbox"), {"view": "unassigned"})

    response = client.post(
        reverse("conversation_route", args=[conversation.number]), {"next": "/inbox/?view=unassigned"}
    )

    assert reverse("conversation_route", args=[conversation.number]) in inbox.content.decode()
    assert (response.status_code, response["Location"]) == (302, "/inbox/?view=unassigned")
    assert _assignee(conversation) is None  # nobody online


def test_route_now_with_another_stores_number_is_404(client, store, other_store, agent):
    _online(other_store, "Чужой")
    _mode(other_store, "manual")
    foreign = [make_conversation(other_store) for _ in range(3)]
    make_conversation(store)
    client.force_login(agent.user)

    response = client.post(reverse("conversation_route", args=[foreign[2].number]))

    assert (foreign[2].number, response.status_code) == (3, 404)
    assert _assignee(foreign[2]) is None


# concurrency (PostgreSQL: real parallel transactions)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_conversations_routed_at_once_never_share_the_last_slot():
    store = make_store(slug="race-routing")
    _mode(store, "manual")  # open both unassigned, then race the routing itself
    agent = make_agent(store, role="lead", presence="online", capacity=1)
    conversations = [make_conversation(store) for _ in range(2)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    picked: list[object] = []

    def run(conversation: Conversation) -> None:
        try:
            barrier.wait(timeout=10)
            picked.append(route(conversation, Actor.of_agent(agent)))
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in conversations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(p is not None for p in picked) == [False, True]
    assert Conversation.objects.filter(store=store, assignee=agent).count() == 1
