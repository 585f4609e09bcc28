"""Shared fixtures and helpers for the email reply tests (`test_email_outbound`, `test_email_resend`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.connectors._smtp_helpers import SmtpServer, start_server
from tests.factories import make_conversation, make_customer
from zabota.connectors.email.parse import ParsedEmail, parse_email
from zabota.connectors.models import Mailbox
from zabota.conversations import actions
from zabota.conversations.models import Conversation, ConversationEvent, EventType, Message
from zabota.stores.actors import Actor

CUSTOMER_MSGID = "q1.CAF=xyz@mail.gmail.com"


@pytest.fixture(autouse=True)
def _english_store(store):
    store.locale = "en"  # delivery errors are written in the store's language; tests read the source strings
    store.save(update_fields=["locale"])


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    controller, running = start_server()
    yield running
    controller.stop()


@pytest.fixture
def mailbox(store, smtp_server) -> Mailbox:
    return Mailbox.objects.create(
        store=store,
        name="Поддержка",
        address="support@shop.ru",
        from_name="Магазин «Пример»",
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        smtp_security="none",
    )


@pytest.fixture
def conversation(store, mailbox) -> Conversation:
    customer = make_customer(store, name="Иван Петров", email="ivan@example.ru")
    conversation = make_conversation(
        store,
        customer=customer,
        channel="email",
        text="Где мой заказ?",
        subject="Где мой заказ",
        external_id=CUSTOMER_MSGID,
    )
    Message.objects.filter(conversation=conversation).update(
        meta={"mailbox_id": mailbox.pk, "message_id": CUSTOMER_MSGID, "kind": "normal"}
    )
    return conversation


def reply(conversation, agent, capture, text="Заказ в пути.", **kwargs) -> Message:
    with capture(execute=True):
        return actions.reply(conversation=conversation, text=text, by=Actor.of_agent(agent), **kwargs)


def run_tasks(enqueued) -> list[object]:
    """Run what is enqueued (retries included) once, in order; returns the results."""
    pending = list(enqueued)
    enqueued.clear()
    return [item.task.call(*item.args, **item.kwargs) for item in pending]


def received(smtp_server: SmtpServer) -> list[ParsedEmail]:
    return [parse_email(r.content) for r in smtp_server.recorder.received]


def delivery_events(conversation) -> list[tuple[str, str]]:
    return [
        (e.payload["from"], e.payload["to"])
        for e in ConversationEvent.objects.filter(conversation=conversation, type=EventType.DELIVERY_CHANGED)
    ]
