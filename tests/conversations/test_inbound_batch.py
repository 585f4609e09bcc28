"""``ingest_many``: raw payloads kept, outcomes recorded, repeats answered like retries, nothing lost."""

from __future__ import annotations

from unittest import mock

import pytest

from zabota.connectors.models import InboundRecord
from zabota.conversations import actions
from zabota.conversations.models import Message


def _payload(key: str, *, email: str = "buyer@example.ru", text: str = "Где заказ?") -> dict:
    return {
        "idempotency_key": key,
        "customer": {"kind": "email", "value": email},
        "text": text,
        "thread_id": "t1",
    }


def _items(*payloads: dict) -> list[tuple[str, dict]]:
    return [(p["idempotency_key"], p) for p in payloads]


def test_records_are_written_once_with_their_outcome(store):
    results = actions.ingest_many(
        store=store, channel="api", items=_items(_payload("a"), _payload("b", email="плохой"), _payload("a"))
    )
    assert [(r.error.field if r.error else None, r.duplicate) for r in results] == [
        (None, False),
        ("email", False),
        (None, True),
    ]
    assert results[2].message_id == results[0].message_id
    records = {r.idempotency_key: r for r in InboundRecord.objects.filter(store=store)}
    assert {k: (r.status, r.attempts, r.message_id) for k, r in records.items()} == {
        "a": ("processed", 1, results[0].message_id),
        "b": ("failed", 1, None),
    }
    assert records["b"].error == "invalid: “плохой” is not a valid email address."
    assert records["b"].payload == _payload("b", email="плохой")


def test_a_retried_batch_returns_the_same_ids(store):
    first = actions.ingest_many(store=store, channel="api", items=_items(_payload("a"), _payload("c")))
    again = actions.ingest_many(store=store, channel="api", items=_items(_payload("c"), _payload("a")))
    assert [(r.message_id, r.duplicate) for r in again] == [
        (first[1].message_id, True),
        (first[0].message_id, True),
    ]
    assert Message.objects.for_store(store).count() == 2


def test_a_failed_key_is_processed_again_from_its_stored_payload(store):
    actions.ingest_many(store=store, channel="api", items=_items(_payload("x", email="плохой")))
    InboundRecord.objects.filter(idempotency_key="x").update(payload=_payload("x"))  # e.g. fixed by an admin
    results = actions.ingest_many(store=store, channel="api", items=_items(_payload("x", email="плохой")))
    assert results[0].error is None
    record = InboundRecord.objects.get(idempotency_key="x")
    assert (record.status, record.attempts, record.message_id) == ("processed", 2, results[0].message_id)


def test_an_unexpected_failure_keeps_the_raw_payloads(store):
    with (
        mock.patch(
            "zabota.conversations.actions.inbound_batch.receive_batch", side_effect=RuntimeError("disk full")
        ),
        pytest.raises(RuntimeError),
    ):
        actions.ingest_many(store=store, channel="api", items=_items(_payload("a"), _payload("b")))
    assert sorted(InboundRecord.objects.values_list("idempotency_key", "status")) == [
        ("a", "received"),
        ("b", "received"),
    ]
    assert Message.objects.count() == 0
