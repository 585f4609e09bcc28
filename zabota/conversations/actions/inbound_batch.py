"""Many raw payloads at once: stored first in one insert, then parsed and received through ``receive_batch``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from zabota.connectors.inbound import Inbound
from zabota.connectors.models import InboundRecord, InboundStatus
from zabota.conversations.actions.bulk import Received, receive_batch
from zabota.conversations.actions.inbound import PARSERS, process_inbound
from zabota.conversations.models import Message
from zabota.core.errors import DomainError, InvalidInput
from zabota.stores.models import Store


def store_inbound_many(
    *, store: Store, channel: str, items: Sequence[tuple[str, dict[str, Any]]]
) -> list[InboundRecord]:
    """Keep every raw payload (one insert; a key seen before keeps its first payload); one record per item.

    New records carry the payload from memory; records that existed before are loaded with their stored
    payload only when they still need processing.
    """
    keys = {k for k, _p in items}
    fields = ("id", "store_id", "channel", "idempotency_key", "status", "message_id", "attempts", "error")
    by_key = {
        r.idempotency_key: r
        for r in InboundRecord.objects.filter(store=store, channel=channel, idempotency_key__in=keys).only(
            *fields
        )
    }
    fresh: dict[str, InboundRecord] = {}
    for key, payload in items:
        if key not in by_key and key not in fresh:
            fresh[key] = InboundRecord(store=store, channel=channel, idempotency_key=key, payload=payload)
    if fresh:
        InboundRecord.objects.bulk_create(list(fresh.values()), ignore_conflicts=True)
        created = InboundRecord.objects.filter(store=store, channel=channel, idempotency_key__in=set(fresh))
        for record in created.only(*fields):
            record.payload = fresh[record.idempotency_key].payload
            by_key[record.idempotency_key] = record
    for record in by_key.values():
        if record.idempotency_key not in fresh and record.status != InboundStatus.PROCESSED:
            record.refresh_from_db(fields=["payload"])
    return [by_key[k] for k, _p in items]


def process_inbound_batch(*, store: Store, records: Sequence[InboundRecord]) -> list[Received]:
    """``process_inbound`` for many records: same outcomes, record statuses and errors, a few queries."""
    unique: dict[int, InboundRecord] = {}
    for record in records:
        unique.setdefault(record.pk, record)
    outcome: dict[int, Received] = {}
    done = [r for r in unique.values() if r.status == InboundStatus.PROCESSED and r.message_id]
    if done:
        conversation_of = dict(
            Message.objects.filter(store=store, pk__in=[r.message_id for r in done]).values_list(
                "id", "conversation_id"
            )
        )
        for record in done:
            outcome[record.pk] = Received(
                message_id=record.message_id,
                conversation_id=conversation_of.get(record.message_id or 0),
                duplicate=True,
            )
    parsed: list[tuple[InboundRecord, Inbound]] = []
    with_files: list[InboundRecord] = []
    for record in unique.values():
        if record.pk in outcome:
            continue
        try:
            inbound = _parse(record)
        except DomainError as exc:
            outcome[record.pk] = Received(error=exc)
            continue
        if inbound.attachments:
            with_files.append(record)
        else:
            parsed.append((record, inbound))
    now = timezone.now()
    with transaction.atomic():
        received = receive_batch(store=store, inbounds=[i for _r, i in parsed])
        for (record, _inbound), result in zip(parsed, received, strict=True):
            outcome[record.pk] = result
        keyed = {r.pk for r, i in parsed if i.external_id == r.idempotency_key and i.channel == r.channel}
        _mark(unique, outcome, keyed, now)
    for record in with_files:
        try:
            message = process_inbound(record=record)
        except DomainError as exc:
            outcome[record.pk] = Received(error=exc)
        else:
            outcome[record.pk] = Received(message_id=message.pk, conversation_id=message.conversation_id)
    first_index: dict[int, int] = {}
    for index, record in enumerate(records):
        first_index.setdefault(record.pk, index)
    return [
        _repeat(outcome[r.pk]) if first_index[r.pk] != i else outcome[r.pk] for i, r in enumerate(records)
    ]


def _parse(record: InboundRecord) -> Inbound:
    parser = PARSERS.get(record.channel)
    if parser is None:
        raise InvalidInput(
            _("No parser for the channel “%(channel)s”.") % {"channel": record.channel[:30]}, field="channel"
        )
    return parser(record.payload, max_chars=settings.ZABOTA_MAX_MESSAGE_CHARS)


def _mark(
    unique: dict[int, InboundRecord], outcome: dict[int, Received], keyed_by_message: set[int], now: Any
) -> None:
    """Record each record's status as ``process_inbound`` does, in a handful of UPDATEs.

    Records whose message carries the record's key as external id (the API channel's contract) get their
    message id from the message table in one statement; the others and the failures are updated one by one.
    """
    same_key: list[int] = []
    for record_id, result in outcome.items():
        record = unique[record_id]
        if result.duplicate and record.status == InboundStatus.PROCESSED:
            continue
        record.attempts += 1
        if result.error is not None:
            record.status, record.error = InboundStatus.FAILED, f"{result.error.code}: {result.error.message}"
            InboundRecord.objects.filter(pk=record_id).update(
                status=record.status, error=record.error, attempts=record.attempts
            )
            continue
        record.status, record.message_id, record.processed_at, record.error = (
            InboundStatus.PROCESSED,
            result.message_id,
            now,
            "",
        )
        if record_id in keyed_by_message:
            same_key.append(record_id)
        else:
            InboundRecord.objects.filter(pk=record_id).update(
                status=record.status,
                message_id=record.message_id,
                processed_at=now,
                error="",
                attempts=record.attempts,
            )
    if same_key:
        message_of = Message.objects.filter(
            store_id=OuterRef("store_id"),
            channel=OuterRef("channel"),
            external_id=OuterRef("idempotency_key"),
        ).values("id")[:1]
        InboundRecord.objects.filter(pk__in=same_key).update(
            status=InboundStatus.PROCESSED,
            message_id=Subquery(message_of),
            processed_at=now,
            error="",
            attempts=F("attempts") + 1,
        )


def _repeat(result: Received) -> Received:
    """A key repeated inside the batch answers like a retry: the same ids, marked as seen before."""
    if result.error is not None:
        return result
    return Received(message_id=result.message_id, conversation_id=result.conversation_id, duplicate=True)


def ingest_many(*, store: Store, channel: str, items: Sequence[tuple[str, dict[str, Any]]]) -> list[Received]:
    """Store and process many raw payloads: the fast path of ``store_inbound_many`` + ``process_inbound_batch``.

    New records are written once, already carrying their outcome, in the same transaction as the messages,
    instead of an INSERT followed by an UPDATE of every row. If anything unexpected fails, the raw payloads
    are stored (status ``received``) before the error propagates, so nothing is lost; a concurrent writer
    on the same keys (``IntegrityError``) sends the batch down the two-step path, which handles races.
    """
    keys = {k for k, _p in items}
    existing = {
        r.idempotency_key: r
        for r in InboundRecord.objects.filter(store=store, channel=channel, idempotency_key__in=keys)
    }
    fresh: dict[str, InboundRecord] = {}
    for key, payload in items:
        if key not in existing and key not in fresh:
            fresh[key] = InboundRecord(store=store, channel=channel, idempotency_key=key, payload=payload)
    if any(r.status != InboundStatus.PROCESSED for r in existing.values()) or any(
        _has_attachments(r.payload) for r in fresh.values()
    ):
        return _two_step(store, channel, items)
    try:
        with transaction.atomic():
            outcome = _process_fresh(store, list(fresh.values()))
    except IntegrityError:
        return _two_step(store, channel, items)
    except Exception:
        store_inbound_many(store=store, channel=channel, items=items)
        raise
    done = [r for r in existing.values() if r.message_id]
    conversation_of = dict(
        Message.objects.filter(store=store, pk__in=[r.message_id for r in done]).values_list(
            "id", "conversation_id"
        )
    )
    for record in done:
        outcome[record.idempotency_key] = Received(
            message_id=record.message_id,
            conversation_id=conversation_of.get(record.message_id or 0),
            duplicate=True,
        )
    seen: set[str] = set()
    results: list[Received] = []
    for key, _payload in items:
        results.append(_repeat(outcome[key]) if key in seen else outcome[key])
        seen.add(key)
    return results


def _two_step(store: Store, channel: str, items: Sequence[tuple[str, dict[str, Any]]]) -> list[Received]:
    records = store_inbound_many(store=store, channel=channel, items=items)
    return process_inbound_batch(store=store, records=records)


def _has_attachments(payload: Any) -> bool:
    return isinstance(payload, dict) and bool(payload.get("attachments"))


def _process_fresh(store: Store, fresh: list[InboundRecord]) -> dict[str, Received]:
    """Parse, receive and insert the new records with their final status; keyed by idempotency key."""
    outcome: dict[str, Received] = {}
    parsed: list[tuple[InboundRecord, Inbound]] = []
    for record in fresh:
        try:
            parsed.append((record, _parse(record)))
        except DomainError as exc:
            outcome[record.idempotency_key] = Received(error=exc)
    received = receive_batch(store=store, inbounds=[i for _r, i in parsed])
    for (record, _inbound), result in zip(parsed, received, strict=True):
        outcome[record.idempotency_key] = result
    now = timezone.now()
    for record in fresh:
        result = outcome[record.idempotency_key]
        record.attempts = 1
        if result.error is not None:
            record.status = InboundStatus.FAILED
            record.error = f"{result.error.code}: {result.error.message}"
        else:
            record.status = InboundStatus.PROCESSED
            record.message_id = result.message_id
            record.processed_at = now
    InboundRecord.objects.bulk_create(fresh)
    return outcome
