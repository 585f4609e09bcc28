"""Conversations, messages and events through the API; writes go through the actions."""

from __future__ import annotations

import pytest

from tests.api.conftest import ApiClient
from tests.factories import make_agent, make_conversation, make_customer, make_message, make_team, make_token
from zabota.conversations import actions
from zabota.conversations.models import Conversation, ConversationEvent, Message
from zabota.stores.actors import Actor


def _ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_list_is_newest_first_and_cursor_paginated(api, store):
    conversations = [make_conversation(store) for _ in range(5)]
    first = api.get("/conversations", {"limit": 2})
    assert _ids(first) == [conversations[4].pk, conversations[3].pk]
    second = api.get("/conversations", {"limit": 2, "cursor": first.json()["next_cursor"]})
    assert _ids(second) == [conversations[2].pk, conversations[1].pk]
    third = api.get("/conversations", {"limit": 2, "cursor": second.json()["next_cursor"]})
    assert _ids(third) == [conversations[0].pk]
    assert third.json()["next_cursor"] is None


def test_default_page_size_comes_from_settings(api, store, settings):
    settings.ZABOTA_API_PAGE_SIZE = 2
    for _ in range(3):
        make_conversation(store)
    assert len(api.get("/conversations").json()["items"]) == 2


def test_filters(api, store, agent):
    team = make_team(store)
    system = Actor.system()
    email = make_conversation(store, channel="email")
    chat = make_conversation(store, channel="chat")
    solved = make_conversation(store, channel="chat")
    actions.set_status(conversation=solved, status="solved", by=system)
    actions.assign(conversation=chat, to=agent, by=system)
    actions.set_team(conversation=email, team=team, by=system)
    actions.set_tags(conversation=email, names=["Возврат"], by=system)
    actions.set_priority(conversation=chat, priority="urgent", by=system)
    actions.set_category(conversation=solved, category="payment", by=system)

    assert _ids(api.get("/conversations", {"status": "solved"})) == [solved.pk]
    assert _ids(api.get("/conversations", {"status": "new,solved"})) == [solved.pk, chat.pk, email.pk]
    assert _ids(api.get("/conversations?status=new&status=solved")) == [solved.pk, chat.pk, email.pk]
    assert _ids(api.get("/conversations", {"channel": "email"})) == [email.pk]
    assert _ids(api.get("/conversations", {"assignee_id": agent.pk})) == [chat.pk]
    assert _ids(api.get("/conversations", {"unassigned": "true"})) == [solved.pk, email.pk]
    assert _ids(api.get("/conversations", {"team_id": team.pk})) == [email.pk]
    assert _ids(api.get("/conversations", {"tag": "возврат"})) == [email.pk]
    assert _ids(api.get("/conversations", {"priority": "urgent"})) == [chat.pk]
    assert _ids(api.get("/conversations", {"category": "payment"})) == [solved.pk]
    assert _ids(api.get("/conversations", {"customer_id": chat.customer_id})) == [chat.pk]
    assert _ids(api.get("/conversations", {"updated_since": "2100-01-01T00:00:00Z"})) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"channel": "fax"}, "channel"),
        ({"priority": "meh"}, "priority"),
        ({"category": "x"}, "category"),
    ],
)
def test_unknown_filter_values_are_400(api, store, query, field):
    response = api.get("/conversations", query)
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("invalid", field)


def test_get_by_id_and_by_number(api, store):
    conversation = make_conversation(store, text="Где заказ?")
    by_id = api.get(f"/conversations/{conversation.pk}").json()
    assert by_id["number"] == conversation.number
    assert by_id["subject"] == "Где заказ?"
    assert by_id["status"] == "new"
    assert by_id["message_count"] == 1
    assert api.get(f"/conversations/{conversation.number}?by=number").json()["id"] == conversation.pk
    assert api.get("/conversations/999?by=number").status_code == 404


def test_patch_calls_each_action(api, store, agent):
    team = make_team(store)
    conversation = make_conversation(store)
    response = api.patch(
        f"/conversations/{conversation.pk}",
        {
            "status": "pending",
            "priority": "high",
            "category": "return",
            "subject": "Возврат",
            "assignee_id": agent.pk,
            "team_id": team.pk,
            "tags": ["Возврат", "срочно"],
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["priority"], body["category"], body["subject"]) == (
        "pending",
        "high",
        "return",
        "Возврат",
    )
    assert (body["assignee_id"], body["team_id"], body["tags"]) == (agent.pk, team.pk, ["возврат", "срочно"])
    types = list(ConversationEvent.objects.filter(conversation=conversation).values_list("type", flat=True))
    assert types == [
        "created",
        "message_received",
        "subject_changed",
        "category_changed",
        "priority_changed",
        "tags_changed",
        "team_changed",
        "assigned",
        "status_changed",
    ]


def test_patch_is_all_or_nothing(api, store):
    conversation = make_conversation(store)
    response = api.patch(f"/conversations/{conversation.pk}", {"priority": "high", "status": "lost"})
    assert response.status_code == 400
    assert response.json()["field"] == "status"
    conversation.refresh_from_db()
    assert conversation.priority == "normal"


def test_patch_null_assignee_unassigns(api, store, agent):
    conversation = make_conversation(store)
    actions.assign(conversation=conversation, to=agent, by=Actor.system())
    response = api.patch(f"/conversations/{conversation.pk}", {"assignee_id": None})
    assert response.json()["assignee_id"] is None


def test_reply_as_agent(store, agent):
    client = ApiClient(make_token(store, agent=agent))
    conversation = make_conversation(store)
    response = client.post(
        f"/conversations/{conversation.pk}/replies", {"text": "Заказ уже в пути", "status": "pending"}
    )
    assert response.status_code == 201, response.content
    message = Message.objects.get(pk=response.json()["id"])
    assert response.json() == {
        "id": message.pk,
        "conversation_id": conversation.pk,
        "direction": "outbound",
        "author_kind": "agent",
        "author_agent_id": agent.pk,
        "author_label": "Ольга Агентова",
        "text": "Заказ уже в пути",
        "html": "",
        "channel": "chat",
        "external_id": "",
        "delivery_status": "",
        "created_at": response.json()["created_at"],
        "attachments": [],
    }
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assignee_id) == ("pending", agent.pk)


def test_reply_text_over_the_limit_is_413(api, store, settings):
    conversation = make_conversation(store)
    settings.ZABOTA_MAX_MESSAGE_CHARS = 10
    response = api.post(f"/conversations/{conversation.pk}/replies", {"text": "я" * 11})
    assert response.status_code == 413
    assert (response.json()["code"], response.json()["field"]) == ("too_large", "text")


def test_note(api, store):
    conversation = make_conversation(store)
    response = api.post(f"/conversations/{conversation.pk}/notes", {"text": "Клиент VIP"})
    assert response.status_code == 201
    assert (response.json()["direction"], response.json()["author_kind"]) == ("note", "system")


def test_transfer_and_escalate(api, store, agent):
    l2 = make_agent(store, tier="l2", name="Вторая Линия")
    team = make_team(store, name="Возвраты")
    conversation = make_conversation(store)
    response = api.post(
        f"/conversations/{conversation.pk}/transfer",
        {"to_agent_id": agent.pk, "to_team_id": team.pk, "reason": "по профилю"},
    )
    assert (
        response.json()["assignee_id"],
        response.json()["team_id"],
        response.json()["transfer_count"],
    ) == (agent.pk, team.pk, 1)
    response = api.post(
        f"/conversations/{conversation.pk}/escalate", {"to_agent_id": l2.pk, "reason": "сложно"}
    )
    assert (response.json()["tier"], response.json()["assignee_id"]) == ("l2", l2.pk)
    again = api.post(f"/conversations/{conversation.pk}/escalate", {})
    assert again.status_code == 409
    assert again.json() == {
        "code": "conflict",
        "message": "The conversation is already on L2.",
        "field": "tier",
    }


def test_transfer_needs_a_target(api, store):
    conversation = make_conversation(store)
    response = api.post(f"/conversations/{conversation.pk}/transfer", {})
    assert response.status_code == 400
    assert response.json()["field"] == "to_agent"


def test_merge(api, store):
    customer = make_customer(store)
    source = make_conversation(store, customer=customer, channel="email")
    target = make_conversation(store, customer=customer, channel="chat")
    response = api.post(f"/conversations/{source.pk}/merge", {"target_id": target.pk})
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["message_count"]) == (target.pk, 2)
    merged = api.get(f"/conversations/{source.pk}").json()
    assert (merged["merged_into_id"], merged["status"]) == (target.pk, "closed")
    assert _ids(api.get("/conversations")) == [target.pk]
    assert api.post(f"/conversations/{target.pk}/merge", {"target_id": target.pk}).status_code == 400


def test_apply_macro(api, store):
    macro = actions.save_macro(
        store=store,
        by=Actor.system(),
        name="Возврат",
        text="{customer.first_name}, оформим возврат.",
        actions={"set_status": "pending", "add_tags": ["возврат"]},
    )
    customer = make_customer(store, name="Мария Иванова")
    conversation = make_conversation(store, customer=customer)
    response = api.post(f"/conversations/{conversation.pk}/macros/{macro.pk}", {})
    assert response.status_code == 200, response.content
    assert response.json()["text"] == "Мария, оформим возврат."
    assert (response.json()["conversation"]["status"], response.json()["conversation"]["tags"]) == (
        "pending",
        ["возврат"],
    )
    assert conversation.messages.filter(direction="outbound").get().text == "Мария, оформим возврат."


def test_messages_and_events_oldest_first(api, store):
    conversation = make_conversation(store, text="Первое")
    second = make_message(conversation, "Второе")
    response = api.get(f"/conversations/{conversation.pk}/messages", {"limit": 1})
    assert [m["text"] for m in response.json()["items"]] == ["Первое"]
    page2 = api.get(f"/conversations/{conversation.pk}/messages", {"cursor": response.json()["next_cursor"]})
    assert [m["id"] for m in page2.json()["items"]] == [second.pk]
    events = api.get(f"/conversations/{conversation.pk}/events").json()["items"]
    assert [e["type"] for e in events] == ["created", "message_received", "message_received"]


def test_store_wide_messages(api, store, agent):
    first = make_conversation(store, text="Один")
    second = make_conversation(store, text="Два")
    actions.add_note(conversation=first, text="Заметка", by=Actor.of_agent(agent))
    texts = [m["text"] for m in api.get("/messages").json()["items"]]
    assert texts == ["Заметка", "Два", "Один"]
    assert [m["text"] for m in api.get("/messages", {"direction": "note"}).json()["items"]] == ["Заметка"]
    assert [m["text"] for m in api.get("/messages", {"conversation_id": second.pk}).json()["items"]] == [
        "Два"
    ]
    assert api.get("/messages", {"since": "2100-01-01T00:00:00"}).json()["items"] == []
    bad = api.get("/messages", {"direction": "sideways"})
    assert (bad.status_code, bad.json()["field"]) == (400, "direction")


def test_open_conversation_with_first_message(store, agent):
    client = ApiClient(make_token(store, agent=agent))
    customer = make_customer(store)
    response = client.post(
        "/conversations",
        {"customer_id": customer.pk, "channel": "email", "subject": "Ваш заказ", "text": "Добрый день!"},
    )
    assert response.status_code == 201, response.content
    conversation = Conversation.objects.get(pk=response.json()["id"])
    assert (conversation.channel, conversation.subject, conversation.status) == ("email", "Ваш заказ", "open")
    assert list(conversation.messages.values_list("direction", "text")) == [("outbound", "Добрый день!")]


def test_list_query_count_does_not_grow(api, store, django_assert_num_queries):
    api.get("/me")  # stamps last_used_at
    for _ in range(3):
        make_conversation(store)
    with django_assert_num_queries(3):  # token, conversations, their tags
        api.get("/conversations")
    for _ in range(3):
        make_conversation(store)
    with django_assert_num_queries(3):
        api.get("/conversations")
