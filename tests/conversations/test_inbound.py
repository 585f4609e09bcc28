"""store_inbound and process_inbound: nothing lost, nothing duplicated, failures recorded."""

from __future__ import annotations

import base64

import pytest

from tests.conversations.helpers import timeline
from zabota.connectors.models import InboundRecord
from zabota.conversations import actions
from zabota.conversations.models import Conversation, Message
from zabota.core.errors import InvalidInput, PayloadTooLarge
from zabota.customers.models import Customer, Identity


def _payload(**overrides):
    return {
        "idempotency_key": "order-1042-q1",
        "customer": {"kind": "email", "value": "Irina@Mail.RU", "name": "Ирина"},
        "text": "Когда привезут заказ 1042?",
        "subject": "Доставка",
        "category": "delivery",
        **overrides,
    }


def test_store_inbound_twice_keeps_one_record(store):
    first, created = actions.store_inbound(
        store=store, channel="api", idempotency_key="k-1", payload=_payload()
    )
    second, created_again = actions.store_inbound(
        store=store, channel="api", idempotency_key="k-1", payload=_payload(text="другое")
    )
    assert (created, created_again, second.pk) == (True, False, first.pk)
    assert InboundRecord.objects.count() == 1
    assert InboundRecord.objects.get().payload["text"] == "Когда привезут заказ 1042?"


def test_same_key_in_another_store_is_another_record(store, other_store):
    actions.store_inbound(store=store, channel="api", idempotency_key="k-1", payload={})
    _record, created = actions.store_inbound(
        store=other_store, channel="api", idempotency_key="k-1", payload={}
    )
    assert created is True
    assert InboundRecord.objects.count() == 2


def test_process_inbound(store):
    record, _created = actions.store_inbound(
        store=store, channel="api", idempotency_key="k-1", payload=_payload()
    )
    message = actions.process_inbound(record=record)
    record.refresh_from_db()
    assert (record.status, record.message_id, record.attempts, record.error) == (
        "processed",
        message.pk,
        1,
        "",
    )
    assert record.processed_at is not None
    customer = Customer.objects.get()
    assert (customer.name, list(Identity.objects.values_list("kind", "value"))) == (
        "Ирина",
        [("email", "irina@mail.ru")],
    )
    conversation = message.conversation
    assert (conversation.channel, conversation.subject, conversation.category) == (
        "api",
        "Доставка",
        "delivery",
    )
    assert (message.external_id, message.author_label, message.text) == (
        "order-1042-q1",
        "Ирина",
        "Когда привезут заказ 1042?",
    )
    assert [row[:3] for row in timeline(conversation)] == [
        ("created", "customer", None),
        ("message_received", "customer", None),
    ]
    # again: the same message, nothing new
    assert actions.process_inbound(record=record).pk == message.pk
    assert (Message.objects.count(), Conversation.objects.count()) == (1, 1)


def test_two_records_with_the_same_message_key_give_one_message(store):
    a, _ = actions.store_inbound(store=store, channel="api", idempotency_key="k-1", payload=_payload())
    b, _ = actions.store_inbound(store=store, channel="api", idempotency_key="k-2", payload=_payload())
    assert actions.process_inbound(record=a).pk == actions.process_inbound(record=b).pk
    assert Message.objects.count() == 1


def _attachment(content_type: str, size: int) -> dict[str, str]:
    return {
        "filename": "файл",
        "content_type": content_type,
        "content_base64": base64.b64encode(b"x" * size).decode(),
    }


@pytest.mark.parametrize(
    ("payload", "error", "field"),
    [
        (_payload(text=""), InvalidInput, "text"),
        (_payload(text="x" * 51), PayloadTooLarge, "text"),
        (_payload(customer={"kind": "email", "value": "не-почта"}), InvalidInput, "email"),
        (_payload(customer={"kind": "phone", "value": "12"}), InvalidInput, "phone"),
        (_payload(customer={"kind": "pigeon", "value": "1"}), InvalidInput, "kind"),
        (_payload(category="weather"), InvalidInput, "category"),
        (_payload(attachments=[_attachment("application/pdf", 11)]), PayloadTooLarge, "attachments"),
        (_payload(attachments=[_attachment("application/x-msdownload", 2)]), InvalidInput, "attachments"),
    ],
    ids=[
        "empty",
        "too-long",
        "email",
        "phone",
        "identity-kind",
        "category",
        "attachment-size",
        "attachment-type",
    ],
)
def test_bad_payload_is_recorded_and_writes_nothing(store, settings, payload, error, field):
    settings.ZABOTA_MAX_MESSAGE_CHARS = 50
    settings.ZABOTA_MAX_ATTACHMENT_BYTES = 10
    record, _created = actions.store_inbound(
        store=store, channel="api", idempotency_key="k-1", payload=payload
    )
    with pytest.raises(error) as caught:
        actions.process_inbound(record=record)
    assert caught.value.field == field
    record.refresh_from_db()
    assert (record.status, record.attempts, record.message_id) == ("failed", 1, None)
    assert record.error == f"{caught.value.code}: {caught.value.message}"
    assert (Message.objects.count(), Conversation.objects.count()) == (0, 0)


def test_unknown_channel_is_recorded_not_crashing(store):
    record, _created = actions.store_inbound(
        store=store, channel="pigeon", idempotency_key="k-1", payload=_payload()
    )
    with pytest.raises(InvalidInput) as caught:
        actions.process_inbound(record=record)
    assert caught.value.field == "channel"
    record.refresh_from_db()
    assert (record.status, record.attempts) == ("failed", 1)
