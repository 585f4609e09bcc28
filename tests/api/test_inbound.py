"""Inbound messages through the generic API channel: stored raw first, deduplicated, validated."""

from __future__ import annotations

import base64

import pytest

from zabota.connectors.models import InboundRecord
from zabota.conversations.models import Attachment, Conversation, Message
from zabota.customers.models import Identity

PDF = base64.b64encode(b"%PDF-1.4 test").decode()


def _payload(key: str = "msg-1", **extra):
    return {
        "idempotency_key": key,
        "customer": {"kind": "email", "value": "Ivan@Example.RU", "name": "Иван Петров"},
        "text": "Здравствуйте! Где мой заказ №1234?",
        **extra,
    }


def test_first_delivery_creates_message_and_conversation(api, store):
    response = api.post(
        "/inbound/messages",
        _payload(
            subject="Заказ 1234",
            category="delivery",
            sent_at="2025-03-01T10:00:00+03:00",
            attachments=[{"filename": "чек.pdf", "content_type": "application/pdf", "content_base64": PDF}],
        ),
    )
    assert response.status_code == 201, response.content
    message = Message.objects.get()
    assert response.json() == {"message_id": message.pk, "conversation_id": message.conversation_id}
    assert message.text == "Здравствуйте! Где мой заказ №1234?"
    assert message.channel == "api"
    assert message.external_id == "msg-1"
    assert message.meta == {"sent_at": "2025-03-01T10:00:00+03:00"}
    conversation = Conversation.objects.get()
    assert (conversation.store_id, conversation.channel, conversation.subject, conversation.category) == (
        store.pk,
        "api",
        "Заказ 1234",
        "delivery",
    )
    assert conversation.customer.name == "Иван Петров"
    assert list(Identity.objects.values_list("kind", "value")) == [("email", "ivan@example.ru")]
    assert list(Attachment.objects.values_list("filename", "content_type", "size")) == [
        ("чек.pdf", "application/pdf", 13)
    ]
    record = InboundRecord.objects.get()
    assert (record.status, record.message_id, record.idempotency_key) == ("processed", message.pk, "msg-1")


def test_same_key_twice_is_one_message_and_answers_200_with_the_same_ids(api):
    first = api.post("/inbound/messages", _payload())
    second = api.post("/inbound/messages", _payload())
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json()
    assert Message.objects.count() == 1
    assert InboundRecord.objects.count() == 1


def test_thread_id_keeps_messages_in_one_conversation(api):
    first = api.post("/inbound/messages", _payload("a", thread_id="t-1"))
    second = api.post("/inbound/messages", _payload("b", thread_id="t-1", text="Ещё вопрос"))
    third = api.post("/inbound/messages", _payload("c", text="Другая тема"))
    assert first.json()["conversation_id"] == second.json()["conversation_id"]
    assert third.json()["conversation_id"] != first.json()["conversation_id"]
    assert Conversation.objects.get(pk=first.json()["conversation_id"]).message_count == 2


def test_batch_reports_each_item(api):
    response = api.post(
        "/inbound/messages/batch",
        {
            "messages": [
                _payload("k1"),
                _payload("k2", customer={"kind": "phone", "value": "8 (916) 123-45-67"}),
                _payload("k3", customer={"kind": "email", "value": "не почта"}),
                _payload("k1"),
            ]
        },
    )
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    messages = {m.external_id: m for m in Message.objects.all()}
    assert results == [
        {
            "index": 0,
            "status": 201,
            "message_id": messages["k1"].pk,
            "conversation_id": messages["k1"].conversation_id,
            "error": None,
        },
        {
            "index": 1,
            "status": 201,
            "message_id": messages["k2"].pk,
            "conversation_id": messages["k2"].conversation_id,
            "error": None,
        },
        {
            "index": 2,
            "status": 400,
            "message_id": None,
            "conversation_id": None,
            "error": {
                "code": "invalid",
                "message": "“не почта” is not a valid email address.",
                "field": "email",
            },
        },
        {
            "index": 3,
            "status": 200,
            "message_id": messages["k1"].pk,
            "conversation_id": messages["k1"].conversation_id,
            "error": None,
        },
    ]
    assert sorted(InboundRecord.objects.values_list("idempotency_key", "status")) == [
        ("k1", "processed"),
        ("k2", "processed"),
        ("k3", "failed"),
    ]
    assert Identity.objects.get(kind="phone").value == "+79161234567"


def test_batch_over_500_is_rejected(api):
    response = api.post("/inbound/messages/batch", {"messages": [_payload(str(i)) for i in range(501)]})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert InboundRecord.objects.count() == 0


@pytest.fixture
def small_limits(settings):
    settings.ZABOTA_MAX_MESSAGE_CHARS = 50
    settings.ZABOTA_MAX_ATTACHMENT_BYTES = 20


@pytest.mark.parametrize(
    ("payload", "status", "code", "field"),
    [
        pytest.param(_payload(text="я" * 51), 413, "too_large", "text", id="oversized-text"),
        pytest.param(
            _payload(
                attachments=[
                    {
                        "filename": "a.pdf",
                        "content_type": "application/pdf",
                        "content_base64": base64.b64encode(b"x" * 21).decode(),
                    }
                ]
            ),
            413,
            "too_large",
            "attachments",
            id="oversized-attachment",
        ),
        pytest.param(
            _payload(
                attachments=[
                    {"filename": "a.exe", "content_type": "application/x-msdownload", "content_base64": PDF}
                ]
            ),
            400,
            "invalid",
            "attachments",
            id="disallowed-attachment-type",
        ),
        pytest.param(
            _payload(
                attachments=[
                    {"filename": "a.pdf", "content_type": "application/pdf", "content_base64": "***"}
                ]
            ),
            400,
            "invalid",
            "attachments[0]",
            id="attachment-not-base64",
        ),
        pytest.param(_payload(attachments="a.pdf"), 400, "invalid", "attachments", id="attachments-not-list"),
        pytest.param(
            _payload(customer={"kind": "email", "value": "ivan@"}),
            400,
            "invalid",
            "email",
            id="invalid-email",
        ),
        pytest.param(
            _payload(customer={"kind": "phone", "value": "12"}), 400, "invalid", "phone", id="invalid-phone"
        ),
        pytest.param(
            _payload(customer={"kind": "pigeon", "value": "x"}),
            400,
            "invalid",
            "kind",
            id="unknown-identity-kind",
        ),
        pytest.param(
            _payload(customer="ivan@example.ru"), 400, "invalid", "customer", id="customer-not-object"
        ),
        pytest.param(_payload(text=42), 400, "invalid", "text", id="text-wrong-type"),
        pytest.param(_payload(text=""), 400, "invalid", "text", id="text-missing"),
        pytest.param(_payload(category="weather"), 400, "invalid", "category", id="unknown-category"),
        pytest.param(_payload(sent_at="вчера"), 400, "invalid", "sent_at", id="bad-sent-at"),
        pytest.param(_payload(sent_at=17), 400, "invalid", "sent_at", id="sent-at-wrong-type"),
        pytest.param(
            {"customer": {"kind": "email", "value": "a@b.ru"}, "text": "Привет"},
            400,
            "invalid",
            "idempotency_key",
            id="missing-key",
        ),
        pytest.param(_payload(key=123), 400, "invalid", "idempotency_key", id="key-wrong-type"),
        pytest.param(["not", "an", "object"], 400, "invalid", None, id="not-an-object"),
    ],
)
def test_bad_input_is_a_4xx_and_the_raw_payload_stays(api, small_limits, payload, status, code, field):
    response = api.post("/inbound/messages", payload)
    assert response.status_code == status, response.content
    body = response.json()
    assert (body["code"], body["field"]) == (code, field)
    assert isinstance(body["message"], str)
    assert body["message"]
    record = InboundRecord.objects.get()
    assert record.payload == payload
    assert record.status == "failed"
    assert record.error.startswith(f"{code}: ")
    assert Message.objects.count() == 0


def test_naive_sent_at_is_read_in_the_server_time_zone(api):
    response = api.post("/inbound/messages", _payload(sent_at="2025-03-01T10:00:00"))
    assert response.status_code == 201
    assert Message.objects.get().meta == {"sent_at": "2025-03-01T10:00:00+03:00"}


def test_malformed_json_is_400(api):
    response = api.post("/inbound/messages", raw='{"idempotency_key": "x",')
    assert response.status_code == 400
    assert response.json() == {
        "code": "malformed_json",
        "message": "The body is not valid JSON.",
        "field": None,
    }


def test_a_failed_key_retried_fails_the_same_way_and_keeps_one_record(api):
    bad = _payload(customer={"kind": "email", "value": "ivan@"})
    assert api.post("/inbound/messages", bad).status_code == 400
    assert api.post("/inbound/messages", _payload()).status_code == 400
    record = InboundRecord.objects.get()
    assert (record.status, record.attempts) == ("failed", 2)


def test_single_message_query_count(api, store, django_assert_num_queries):
    """One query is the API's (the token); the rest belong to the actions (savepoints included)."""
    api.post("/inbound/messages", _payload("warm-up"))
    # 17, plus the online-agent check of routing and the store's SLA policies
    with django_assert_num_queries(19):
        response = api.post(
            "/inbound/messages", _payload("second", customer={"kind": "email", "value": "new@example.ru"})
        )
    assert response.status_code == 201
