"""open_conversation, reply and add_note: rows, events, realtime and webhooks."""

from __future__ import annotations

import pytest

from tests.conversations.helpers import delivered, last_event_id, names, subscribe, timeline
from tests.factories import make_agent, make_conversation, make_customer
from zabota.conversations import actions
from zabota.conversations.models import Conversation, ConversationEvent, Message
from zabota.core.errors import InvalidInput, PayloadTooLarge, PermissionDenied
from zabota.core.models import next_value
from zabota.core.realtime import RealtimeEvent
from zabota.stores.actors import Actor
from zabota.webhooks.models import WebhookDelivery


def test_open_conversation(store, agent, published, django_capture_on_commit_callbacks):
    customer = make_customer(store)
    subscription = subscribe(store)
    with django_capture_on_commit_callbacks(execute=True):
        conversation = actions.open_conversation(
            store=store,
            customer=customer,
            channel="phone",
            by=Actor.of_agent(agent),
            subject="  Звонок: не пришёл заказ  ",
            category="delivery",
        )
    assert (conversation.number, conversation.subject, conversation.category, conversation.status) == (
        1,
        "Звонок: не пришёл заказ",
        "delivery",
        "new",
    )
    assert timeline(conversation) == [
        ("created", "agent", agent.pk, {"channel": "phone", "previous_id": None})
    ]
    assert published == [
        RealtimeEvent(store.pk, "conversation.created", "agents", {"conversation_id": conversation.pk})
    ]
    assert delivered(subscription) == ["conversation.created"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"channel": "fax"}, "channel"), ({"category": "weather"}, "category")],
    ids=["channel", "category"],
)
def test_open_conversation_bad_input(store, agent, kwargs, field):
    with pytest.raises(InvalidInput) as caught:
        actions.open_conversation(
            store=store,
            customer=make_customer(store),
            by=Actor.of_agent(agent),
            **{"channel": "chat", **kwargs},
        )
    assert caught.value.field == field
    assert Conversation.objects.count() == 0


def test_numbers_are_sequential_and_independent_per_store(store, other_store):
    numbers = [make_conversation(store).number for _ in range(3)]
    other = [make_conversation(other_store).number for _ in range(2)]
    numbers.append(make_conversation(store).number)
    assert numbers == [1, 2, 3, 4]
    assert other == [1, 2]
    assert next_value(store_id=store.pk, name="conversation") == 5


def test_first_reply_assigns_answers_and_opens(store, agent, published, django_capture_on_commit_callbacks):
    # given
    conversation = make_conversation(store, text="Где заказ?")
    subscription = subscribe(store)
    before = last_event_id()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.reply(conversation=conversation, text="Заказ уже в пути.", by=Actor.of_agent(agent))
    # then
    conversation.refresh_from_db()
    assert (message.direction, message.author_kind, message.author_agent_id, message.channel) == (
        "outbound",
        "agent",
        agent.pk,
        "chat",
    )
    assert (conversation.status, conversation.assignee_id, conversation.message_count) == (
        "open",
        agent.pk,
        2,
    )
    assert conversation.waiting_since is None
    assert conversation.first_response_at == message.created_at
    assert timeline(conversation, after=before) == [
        ("assigned", "agent", agent.pk, {"from": None, "to": agent.pk, "to_name": "Ольга Агентова"}),
        ("replied", "agent", agent.pk, {"message_id": message.pk}),
        ("status_changed", "agent", agent.pk, {"from": "new", "to": "open"}),
    ]
    assert names(published)[-2:] == ["conversation.updated", "message.created"]
    assert published[-1].payload == {
        "conversation_id": conversation.pk,
        "message_id": message.pk,
        "direction": "outbound",
    }
    assert delivered(subscription) == [
        "conversation.updated",  # assigned to the replying agent
        "conversation.updated",  # new → open
        "conversation.status_changed",
        "message.created",
    ]


def test_second_reply_keeps_first_response_and_can_set_status(store, agent, lead):
    conversation = make_conversation(store)
    first = actions.reply(conversation=conversation, text="Смотрю", by=Actor.of_agent(agent))
    before = last_event_id()
    second = actions.reply(
        conversation=conversation, text="Готово", by=Actor.of_agent(lead), set_status="solved"
    )
    conversation.refresh_from_db()
    assert conversation.first_response_at == first.created_at
    assert (conversation.status, conversation.assignee_id) == ("solved", agent.pk)
    assert conversation.solved_at is not None
    assert timeline(conversation, after=before) == [
        ("replied", "agent", lead.pk, {"message_id": second.pk}),
        ("status_changed", "agent", lead.pk, {"from": "open", "to": "solved"}),
    ]


def test_bot_reply_is_not_a_first_response(store):
    conversation = make_conversation(store)
    message = actions.reply(conversation=conversation, text="Я бот, чем помочь?", by=Actor.bot())
    conversation.refresh_from_db()
    assert message.author_kind == "bot"
    assert conversation.first_response_at is None
    assert conversation.assignee_id is None


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"text": " "}, InvalidInput, "text"),
        ({"text": "x" * 21}, PayloadTooLarge, "text"),
        ({"set_status": "done"}, InvalidInput, "status"),
    ],
    ids=["empty", "too-long", "unknown-status"],
)
def test_reply_bad_input_writes_nothing(store, agent, settings, kwargs, error, field):
    settings.ZABOTA_MAX_MESSAGE_CHARS = 20
    conversation = make_conversation(store)
    subscribe(store)
    before = last_event_id()
    with pytest.raises(error) as caught:
        actions.reply(conversation=conversation, by=Actor.of_agent(agent), **{"text": "Ответ", **kwargs})
    assert caught.value.field == field
    assert Message.objects.count() == 1
    assert ConversationEvent.objects.filter(id__gt=before).count() == 0
    assert WebhookDelivery.objects.count() == 0


def test_note_is_internal(store, agent, published, django_capture_on_commit_callbacks):
    conversation = make_conversation(store)
    subscription = subscribe(store)
    before = last_event_id()
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        note = actions.add_note(
            conversation=conversation, text="Клиент звонил дважды", by=Actor.of_agent(agent)
        )
    conversation.refresh_from_db()
    assert (note.direction, note.author_kind, note.author_agent_id) == ("note", "agent", agent.pk)
    assert (conversation.message_count, conversation.status) == (1, "new")
    assert timeline(conversation, after=before) == [
        ("note_added", "agent", agent.pk, {"message_id": note.pk})
    ]
    assert published == [
        RealtimeEvent(
            store.pk,
            "message.created",
            "agents",
            {"conversation_id": conversation.pk, "message_id": note.pk, "direction": "note"},
        )
    ]
    assert delivered(subscription) == []


def test_empty_note_is_refused(store, agent):
    conversation = make_conversation(store)
    with pytest.raises(InvalidInput) as caught:
        actions.add_note(conversation=conversation, text="  ", by=Actor.of_agent(agent))
    assert caught.value.field == "text"
    assert Message.objects.filter(direction="note").count() == 0


@pytest.mark.parametrize(
    "action",
    [
        lambda c, by: actions.reply(conversation=c, text="Ответ", by=by),
        lambda c, by: actions.add_note(conversation=c, text="Заметка", by=by),
        lambda c, by: actions.set_status(conversation=c, status="solved", by=by),
        lambda c, by: actions.set_tags(conversation=c, names=["спам"], by=by),
    ],
    ids=["reply", "note", "status", "tags"],
)
@pytest.mark.parametrize("who", ["other-store-admin", "deactivated"], ids=["other-store", "deactivated"])
def test_outsiders_cannot_work_on_a_conversation(store, other_store, action, who):
    conversation = make_conversation(store)
    if who == "deactivated":
        by = make_agent(store, role="admin", is_active=False)
    else:
        by = make_agent(other_store, role="admin")
    before = last_event_id()
    with pytest.raises(PermissionDenied):
        action(conversation, Actor.of_agent(by))
    assert Message.objects.count() == 1
    assert ConversationEvent.objects.filter(id__gt=before).count() == 0
    conversation.refresh_from_db()
    assert conversation.status == "new"
