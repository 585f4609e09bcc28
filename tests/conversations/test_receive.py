"""receive_message: what it writes, threading rules, idempotency, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conversations.helpers import delivered, names, subscribe, timeline
from tests.factories import make_conversation, make_customer
from zabota.connectors.inbound import InboundAttachment
from zabota.conversations import actions
from zabota.conversations.models import Attachment, Conversation, ConversationEvent, Message
from zabota.core.errors import InvalidInput, PayloadTooLarge
from zabota.core.realtime import RealtimeEvent
from zabota.stores.actors import Actor
from zabota.webhooks.models import WebhookDelivery


def receive(store, customer, *, channel="chat", text="Здравствуйте!", **kwargs):
    return actions.receive_message(
        store=store, customer=customer, channel=channel, text=text, by=Actor.customer("Ирина"), **kwargs
    )


def test_first_message_opens_a_conversation(store, published, enqueued, django_capture_on_commit_callbacks):
    # given
    customer = make_customer(store, name="Ирина Петрова")
    subscription = subscribe(store)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        message = receive(store, customer, text="Где мой заказ №1042?", external_id="m-1")
    # then
    conversation = message.conversation
    assert (conversation.number, conversation.status, conversation.channel, conversation.category) == (
        1,
        "new",
        "chat",
        "other",
    )
    assert conversation.subject == "Где мой заказ №1042?"
    assert conversation.message_count == 1
    assert conversation.waiting_since == message.created_at
    assert conversation.last_message_at == message.created_at
    assert (message.direction, message.author_kind, message.author_label, message.external_id) == (
        "inbound",
        "customer",
        "Ирина Петрова",
        "m-1",
    )
    assert timeline(conversation) == [
        ("created", "customer", None, {"channel": "chat", "previous_id": None}),
        ("message_received", "customer", None, {"message_id": message.pk}),
    ]
    assert published == [
        RealtimeEvent(store.pk, "conversation.created", "agents", {"conversation_id": conversation.pk}),
        RealtimeEvent(
            store.pk,
            "message.created",
            "agents",
            {"conversation_id": conversation.pk, "message_id": message.pk, "direction": "inbound"},
        ),
    ]
    assert delivered(subscription) == ["conversation.created", "message.created"]
    body = WebhookDelivery.objects.get(event="message.created").payload
    assert body["event"] == "message.created"
    assert body["store_id"] == store.pk
    assert body["data"]["message"]["text"] == "Где мой заказ №1042?"
    assert [r.task.name for r in enqueued] == ["deliver_webhook", "deliver_webhook"]
    assert sorted(r.args[0] for r in enqueued) == sorted(WebhookDelivery.objects.values_list("id", flat=True))


def test_subject_and_category_are_taken_from_the_first_message(store):
    customer = make_customer(store)
    message = receive(store, customer, channel="email", text="Текст", subject="Возврат", category="return")
    assert (message.conversation.subject, message.conversation.category) == ("Возврат", "return")


def test_attachment_is_stored(store):
    customer = make_customer(store)
    png = InboundAttachment(filename="../фото.png", content_type="image/PNG; x=1", content=b"\x89PNG1234")
    message = receive(store, customer, text="", attachments=[png])
    attachment = Attachment.objects.get(message=message)
    assert (attachment.filename, attachment.content_type, attachment.size) == (".._фото.png", "image/png", 8)
    with attachment.file.open("rb") as f:
        assert f.read() == b"\x89PNG1234"


# threading


def test_same_external_thread_id_continues(store):
    customer = make_customer(store)
    first = receive(store, customer, channel="email", text="Первое", external_thread_id="<a@shop.ru>")
    second = receive(store, customer, channel="email", text="Второе", external_thread_id="<a@shop.ru>")
    other = receive(store, customer, channel="email", text="Другое", external_thread_id="<b@shop.ru>")
    assert second.conversation_id == first.conversation_id
    assert other.conversation_id != first.conversation_id
    assert Conversation.objects.get(pk=first.conversation_id).message_count == 2


def test_chat_continues_the_customers_active_conversation(store, agent):
    customer = make_customer(store)
    first = receive(store, customer, text="Первое")
    actions.set_status(conversation=first.conversation, status="open", by=Actor.of_agent(agent))
    second = receive(store, customer, text="Второе")
    assert second.conversation_id == first.conversation_id
    assert Conversation.objects.count() == 1


def test_api_channel_without_thread_id_opens_a_new_conversation_each_time(store):
    customer = make_customer(store)
    first = receive(store, customer, channel="api", text="Первое")
    second = receive(store, customer, channel="api", text="Второе")
    third = receive(store, customer, channel="api", text="Третье", external_thread_id="t-1")
    fourth = receive(store, customer, channel="api", text="Четвёртое", external_thread_id="t-1")
    assert len({first.conversation_id, second.conversation_id, third.conversation_id}) == 3
    assert fourth.conversation_id == third.conversation_id


def _solve(conversation, agent, *, days_ago: int, status: str = "solved"):
    actions.set_status(conversation=conversation, status=status, by=Actor.of_agent(agent))
    ended = timezone.now() - timedelta(days=days_ago)
    Conversation.objects.filter(pk=conversation.pk).update(solved_at=ended, closed_at=ended, updated_at=ended)


def test_solved_conversation_within_the_window_is_reopened(
    store, agent, published, django_capture_on_commit_callbacks
):
    # given
    conversation = make_conversation(store, channel="telegram")
    _solve(conversation, agent, days_ago=6)
    subscription = subscribe(store)
    before = ConversationEvent.objects.order_by("-id").first().pk
    published.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        message = receive(store, conversation.customer, channel="telegram", text="Опять не работает")
    # then
    conversation.refresh_from_db()
    assert message.conversation_id == conversation.pk
    assert (conversation.status, conversation.solved_at, conversation.message_count) == ("open", None, 2)
    assert timeline(conversation, after=before) == [
        ("message_received", "customer", None, {"message_id": message.pk}),
        ("reopened", "customer", None, {"from": "solved", "to": "open"}),
    ]
    assert names(published) == ["conversation.updated", "message.created"]
    assert published[0].payload == {
        "conversation_id": conversation.pk,
        "changes": {"status": ["solved", "open"]},
    }
    assert delivered(subscription) == [
        "conversation.updated",
        "conversation.status_changed",
        "message.created",
    ]


@pytest.mark.parametrize(
    ("days_ago", "window", "status"),
    [(8, 7, "solved"), (1, 0, "solved"), (1, 7, "closed")],
    ids=["solved-older-than-window", "window-zero", "closed"],
)
def test_ended_conversation_outside_the_window_gets_a_follow_up(store, agent, days_ago, window, status):
    # given
    store.reopen_window_days = window
    store.save()
    conversation = make_conversation(store, channel="email", external_thread_id="<t@shop.ru>")
    _solve(conversation, agent, days_ago=days_ago, status=status)
    # when
    message = receive(
        store, conversation.customer, channel="email", text="Снова я", external_thread_id="<t@shop.ru>"
    )
    # then
    follow_up = message.conversation
    assert follow_up.pk != conversation.pk
    assert follow_up.previous_id == conversation.pk
    assert follow_up.status == "new"
    assert timeline(follow_up)[0] == (
        "created",
        "customer",
        None,
        {"channel": "email", "previous_id": conversation.pk},
    )
    conversation.refresh_from_db()
    assert conversation.status == status


def test_pending_conversation_goes_back_to_open(store, agent):
    conversation = make_conversation(store)
    actions.set_status(conversation=conversation, status="pending", by=Actor.of_agent(agent))
    before = ConversationEvent.objects.order_by("-id").first().pk
    message = receive(store, conversation.customer, text="Ответ на ваш вопрос")
    conversation.refresh_from_db()
    assert conversation.status == "open"
    assert timeline(conversation, after=before) == [
        ("message_received", "customer", None, {"message_id": message.pk}),
        ("status_changed", "customer", None, {"from": "pending", "to": "open"}),
    ]


@pytest.mark.parametrize("channel", ["chat", "email"], ids=["by-customer", "by-thread-id"])
def test_merged_conversation_is_followed_to_its_target(store, agent, channel):
    # given
    customer = make_customer(store)
    source = make_conversation(store, customer=customer, channel=channel, external_thread_id="t-9")
    target = make_conversation(store, customer=customer, channel="phone")
    actions.merge_conversations(source=source, target=target, by=Actor.of_agent(agent))
    # when
    message = receive(store, customer, channel=channel, text="Ещё вопрос", external_thread_id="t-9")
    # then
    assert message.conversation_id == target.pk
    assert Conversation.objects.count() == 2


# idempotency


def test_same_external_id_twice_gives_one_message(store, published, django_capture_on_commit_callbacks):
    customer = make_customer(store)
    subscribe(store)
    with django_capture_on_commit_callbacks(execute=True):
        first = receive(store, customer, text="Привет", external_id="tg-100")
        second = receive(store, customer, text="Привет", external_id="tg-100")
    assert second.pk == first.pk
    assert Message.objects.count() == 1
    assert ConversationEvent.objects.count() == 2
    assert Conversation.objects.get().message_count == 1
    assert names(published) == ["conversation.created", "message.created"]
    assert delivered() == ["conversation.created", "message.created"]


def test_same_external_id_on_another_channel_is_another_message(store):
    customer = make_customer(store)
    receive(store, customer, channel="telegram", external_id="100")
    receive(store, customer, channel="vk", external_id="100")
    assert Message.objects.count() == 2


# bad input


def _big_attachment():
    return [InboundAttachment(filename="a.pdf", content_type="application/pdf", content=b"x" * 11)]


def _exe_attachment():
    return [InboundAttachment(filename="a.exe", content_type="application/x-msdownload", content=b"MZ")]


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"text": ""}, InvalidInput, "text"),
        ({"text": "   \n"}, InvalidInput, "text"),
        ({"text": "x" * 11}, PayloadTooLarge, "text"),
        ({"attachments": _big_attachment()}, PayloadTooLarge, "attachments"),
        ({"attachments": _exe_attachment()}, InvalidInput, "attachments"),
        ({"channel": "pigeon"}, InvalidInput, "channel"),
        ({"category": "weather"}, InvalidInput, "category"),
    ],
    ids=["empty", "blank", "too-long", "attachment-too-big", "attachment-wrong-type", "channel", "category"],
)
def test_bad_input_raises_and_writes_nothing(store, settings, kwargs, error, field):
    # given
    settings.ZABOTA_MAX_MESSAGE_CHARS = 10
    settings.ZABOTA_MAX_ATTACHMENT_BYTES = 10
    customer = make_customer(store)
    subscribe(store)
    # when
    with pytest.raises(error) as caught:
        receive(store, customer, **{"text": "Вопрос", **kwargs})
    # then
    assert caught.value.field == field
    assert (Conversation.objects.count(), Message.objects.count(), ConversationEvent.objects.count()) == (
        0,
        0,
        0,
    )
    assert WebhookDelivery.objects.count() == 0


def test_text_at_the_limit_is_accepted(store, settings):
    settings.ZABOTA_MAX_MESSAGE_CHARS = 10
    message = receive(store, make_customer(store), text="x" * 10)
    assert message.text == "x" * 10


def test_customer_of_another_store_is_refused(store, other_store):
    stranger = make_customer(other_store)
    with pytest.raises(InvalidInput) as caught:
        receive(store, stranger, text="Привет")
    assert caught.value.field == "customer"
    assert Conversation.objects.count() == 0
