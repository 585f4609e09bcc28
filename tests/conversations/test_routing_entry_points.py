"""Routing: where it runs, Route now (permissions and errors) and races."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conversations._routing_helpers import assignee_name as _assignee
from tests.conversations._routing_helpers import online as _online
from tests.conversations._routing_helpers import set_mode as _mode
from tests.factories import make_agent, make_conversation, make_customer, make_store
from zabota.connectors.inbound import Inbound
from zabota.conversations import actions
from zabota.conversations.models import Conversation
from zabota.conversations.routing import route
from zabota.core.errors import Conflict, PermissionDenied
from zabota.stores.actors import Actor

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
