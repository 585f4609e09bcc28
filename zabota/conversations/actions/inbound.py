"""From a stored raw payload to a message: parse, resolve the customer, receive."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zabota.connectors.api.parse import parse as parse_api
from zabota.connectors.inbound import Inbound
from zabota.connectors.models import InboundRecord, InboundStatus
from zabota.conversations.actions.messages import check_attachments, receive_message
from zabota.conversations.models import Message
from zabota.core.errors import DomainError, InvalidInput
from zabota.customers.actions import resolve_identity
from zabota.stores.actors import Actor
from zabota.stores.models import Store

PARSERS = {"api": parse_api}


def store_inbound(
    *, store: Store, channel: str, idempotency_key: str, payload: dict[str, Any]
) -> tuple[InboundRecord, bool]:
    """Keep the raw payload first (nothing lost); returns (record, created)."""
    try:
        with transaction.atomic():
            record = InboundRecord.objects.create(
                store=store, channel=channel, idempotency_key=idempotency_key, payload=payload
            )
            return record, True
    except IntegrityError:
        return InboundRecord.objects.get(store=store, channel=channel, idempotency_key=idempotency_key), False


def deliver(*, store: Store, inbound: Inbound, by: Actor | None = None) -> Message:
    customer, _created = resolve_identity(
        store=store, kind=inbound.identity_kind, value=inbound.identity_value, name=inbound.sender_name
    )
    return receive_message(
        store=store,
        customer=customer,
        channel=inbound.channel,
        text=inbound.text,
        html=inbound.html,
        subject=inbound.subject,
        category=inbound.category,
        external_id=inbound.external_id,
        external_thread_id=inbound.external_thread_id,
        attachments=inbound.attachments,
        sent_at=inbound.sent_at,
        by=by or Actor.customer(inbound.sender_name),
    )


def process_inbound(*, record: InboundRecord) -> Message:
    """Idempotent: a processed record returns its message; a failure is stored on the record and re-raised."""
    if record.status == InboundStatus.PROCESSED and record.message_id:
        return Message.objects.get(pk=record.message_id)
    try:
        parser = PARSERS.get(record.channel)
        if parser is None:
            raise InvalidInput(
                _("No parser for the channel “%(channel)s”.") % {"channel": record.channel[:30]},
                field="channel",
            )
        inbound = parser(record.payload, max_chars=settings.ZABOTA_MAX_MESSAGE_CHARS)
        check_attachments(inbound.attachments)
        with transaction.atomic():
            message = deliver(store=record.store, inbound=inbound)
            record.status = InboundStatus.PROCESSED
            record.message_id = message.pk
            record.processed_at = timezone.now()
            record.attempts += 1
            record.error = ""
            record.save(update_fields=["status", "message_id", "processed_at", "attempts", "error"])
    except DomainError as exc:
        record.status = InboundStatus.FAILED
        record.error = f"{exc.code}: {exc.message}"
        record.attempts += 1
        record.save(update_fields=["status", "error", "attempts"])
        raise
    return message
