"""The periodic job that processes inbound records a crash left ``received``."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from zabota.connectors.models import InboundRecord
from zabota.conversations import actions
from zabota.conversations.jobs import JOB_NAME, retry_stuck_inbound, retry_stuck_inbound_task
from zabota.conversations.models import Message
from zabota.core.scheduler import JOBS


def _payload(key: str, **overrides):
    return {
        "idempotency_key": key,
        "customer": {"kind": "email", "value": "irina@mail.ru", "name": "Ирина"},
        "text": f"Когда привезут заказ? ({key})",
        "category": "delivery",
        **overrides,
    }


def _received(store, key: str, *, minutes_ago: int, **overrides) -> InboundRecord:
    record, _ = actions.store_inbound(
        store=store, channel="api", idempotency_key=key, payload=_payload(key, **overrides)
    )
    InboundRecord.objects.filter(pk=record.pk).update(
        received_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return record


def test_job_is_registered_every_minute():
    job = JOBS[JOB_NAME]
    assert (job.task, job.every) == (retry_stuck_inbound_task, timedelta(minutes=1))


def test_old_received_records_are_processed_and_fresh_ones_left_alone(store, other_store):
    old = _received(store, "k-old", minutes_ago=10)
    other = _received(other_store, "k-other", minutes_ago=10)
    fresh = _received(store, "k-fresh", minutes_ago=1)
    # when
    assert retry_stuck_inbound() == 2
    # then
    statuses = dict(InboundRecord.objects.values_list("idempotency_key", "status"))
    assert statuses == {"k-old": "processed", "k-other": "processed", "k-fresh": "received"}
    old.refresh_from_db()
    other.refresh_from_db()
    assert Message.objects.get(pk=old.message_id).store_id == store.pk
    assert Message.objects.get(pk=other.message_id).store_id == other_store.pk
    assert fresh.pk is not None
    assert Message.objects.count() == 2


def test_running_twice_delivers_once(store):
    _received(store, "k-1", minutes_ago=10)
    assert retry_stuck_inbound() == 1
    assert retry_stuck_inbound() == 0
    assert Message.objects.count() == 1


def test_a_record_whose_message_already_exists_is_only_marked(store):
    """The crash came after the message was written but before the record was marked."""
    record = _received(store, "k-1", minutes_ago=10)
    actions.process_inbound(record=record)
    InboundRecord.objects.filter(pk=record.pk).update(status="received", message_id=None)
    assert retry_stuck_inbound() == 1
    record.refresh_from_db()
    assert record.status == "processed"
    assert Message.objects.count() == 1
    assert record.message_id == Message.objects.get().pk


def test_a_bad_record_is_marked_failed_and_does_not_block_others(store):
    _received(store, "k-bad", minutes_ago=10, text="")
    _received(store, "k-good", minutes_ago=10)
    assert retry_stuck_inbound() == 2
    bad = InboundRecord.objects.get(idempotency_key="k-bad")
    assert (bad.status, bad.error.split(":")[0]) == ("failed", "invalid")
    assert InboundRecord.objects.get(idempotency_key="k-good").status == "processed"
    assert retry_stuck_inbound() == 0
