"""Opening conversations, receiving and sending messages, internal notes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import nh3
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zabota.announcements.actions import check_can_reply
from zabota.connectors.inbound import InboundAttachment
from zabota.conversations.actions._common import announce_update, check_can_work, record_event
from zabota.conversations.models import (
    Attachment,
    AuthorKind,
    Category,
    Channel,
    Conversation,
    Direction,
    EventType,
    Message,
    Status,
)
from zabota.conversations.serializers import conversation_payload, message_payload
from zabota.conversations.targets import deferred_refresh, refresh_targets
from zabota.conversations.threading import apply_inbound, continue_or_link, reopen_event_type
from zabota.core import realtime
from zabota.core.errors import InvalidInput, PayloadTooLarge
from zabota.core.models import next_value
from zabota.customers.models import Customer
from zabota.stores.actors import Actor
from zabota.stores.models import Store
from zabota.webhooks.actions import emit

_CHANNELS = {c.value for c in Channel}
_CATEGORIES = {c.value for c in Category}


def sanitize_html(html: str) -> str:
    return nh3.clean(html, link_rel="noopener noreferrer nofollow") if html else ""


def _check_text(text: str, *, required: bool, field: str = "text") -> str:
    if not isinstance(text, str):
        raise InvalidInput(_("The message text must be a string."), field=field)
    if required and not text.strip():
        raise InvalidInput(_("The message is empty."), field=field)
    if len(text) > settings.ZABOTA_MAX_MESSAGE_CHARS:
        raise PayloadTooLarge(
            _("The message is longer than %(limit)s characters.")
            % {"limit": settings.ZABOTA_MAX_MESSAGE_CHARS},
            field=field,
        )
    return text


def check_attachments(attachments: Sequence[InboundAttachment]) -> None:
    for item in attachments:
        if len(item.content) > settings.ZABOTA_MAX_ATTACHMENT_BYTES:
            raise PayloadTooLarge(
                _("“%(name)s” is larger than %(limit)s MB.")
                % {"name": item.filename, "limit": settings.ZABOTA_MAX_ATTACHMENT_BYTES // (1024 * 1024)},
                field="attachments",
            )
        content_type = item.content_type.split(";")[0].strip().lower()
        if content_type not in settings.ZABOTA_ALLOWED_ATTACHMENT_TYPES:
            raise InvalidInput(
                _("Files of type %(type)s are not accepted.") % {"type": content_type[:60]},
                field="attachments",
            )


def _store_attachments(message: Message, attachments: Sequence[InboundAttachment]) -> None:
    for item in attachments:
        safe_name = item.filename.replace("/", "_").replace("\\", "_")[:200] or "file"
        attachment = Attachment(
            store_id=message.store_id,
            message=message,
            filename=safe_name,
            content_type=item.content_type.split(";")[0].strip().lower(),
            size=len(item.content),
            inline_cid=item.inline_cid,
        )
        attachment.file.save(safe_name, ContentFile(item.content), save=False)
        attachment.save()


def open_conversation(
    *,
    store: Store,
    customer: Customer,
    channel: str,
    by: Actor,
    subject: str = "",
    category: str = "",
    external_thread_id: str = "",
    previous: Conversation | None = None,
) -> Conversation:
    if channel not in _CHANNELS:
        raise InvalidInput(_("Unknown channel “%(channel)s”.") % {"channel": channel[:30]}, field="channel")
    if category and category not in _CATEGORIES:
        raise InvalidInput(
            _("Unknown category “%(category)s”.") % {"category": category[:30]}, field="category"
        )
    if customer.store_id != store.pk:
        raise InvalidInput(_("The customer belongs to another store."), field="customer")
    with transaction.atomic():
        conversation = Conversation.objects.create(
            store=store,
            number=next_value(store_id=store.pk, name="conversation"),
            customer=customer,
            channel=channel,
            subject=subject.strip()[:300],
            category=category or Category.OTHER,
            external_thread_id=external_thread_id,
            previous=previous,
        )
        record_event(
            conversation=conversation,
            type=EventType.CREATED,
            by=by,
            payload={"channel": channel, "previous_id": previous.pk if previous else None},
        )
        emit(
            store_id=store.pk,
            event="conversation.created",
            data=lambda: {"conversation": conversation_payload(conversation)},
        )
        store_id, conversation_id = store.pk, conversation.pk
        transaction.on_commit(
            lambda: realtime.publish(
                store_id, "conversation.created", "agents", {"conversation_id": conversation_id}
            )
        )
        if by.agent is None:  # an agent who opens a conversation keeps it; others' go to routing
            from zabota.conversations.routing import route_new

            route_new([conversation])
    return conversation


def _find_thread(
    *, store: Store, customer: Customer, channel: str, external_thread_id: str
) -> tuple[Conversation | None, Conversation | None]:
    """Return (conversation to continue, closed conversation to link a new one to)."""
    base = Conversation.objects.filter(store=store, channel=channel)
    if external_thread_id:
        candidate = base.filter(external_thread_id=external_thread_id).order_by("-id").first()
    else:
        candidate = base.filter(customer=customer).order_by("-id").first() if channel != Channel.API else None
    return continue_or_link(follow_merges(candidate), store=store, now=timezone.now())


def follow_merges(conversation: Conversation | None) -> Conversation | None:
    """The conversation a merged one now lives in (one query per merge hop; none if not merged)."""
    seen: set[int] = set()
    while (
        conversation is not None and conversation.merged_into_id is not None and conversation.pk not in seen
    ):
        seen.add(conversation.pk)
        conversation = Conversation.objects.filter(pk=conversation.merged_into_id).first()
    return conversation


def receive_message(
    *,
    store: Store,
    customer: Customer,
    channel: str,
    text: str,
    by: Actor,
    html: str = "",
    subject: str = "",
    category: str = "",
    external_id: str = "",
    external_thread_id: str = "",
    attachments: Sequence[InboundAttachment] = (),
    sent_at: datetime | None = None,
    conversation: Conversation | None = None,
) -> Message:
    """Store a customer's message in the right conversation; idempotent on ``external_id``."""
    if channel not in _CHANNELS:
        raise InvalidInput(_("Unknown channel “%(channel)s”.") % {"channel": channel[:30]}, field="channel")
    _check_text(text, required=not attachments)
    check_attachments(attachments)
    if external_id:
        existing = Message.objects.with_external_ids(store, {channel}, {external_id}).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic(), deferred_refresh():
            return _receive(
                store=store,
                customer=customer,
                channel=channel,
                text=text,
                by=by,
                html=html,
                subject=subject,
                category=category,
                external_id=external_id,
                external_thread_id=external_thread_id,
                attachments=attachments,
                sent_at=sent_at,
                conversation=conversation,
            )
    except IntegrityError:
        if external_id:
            existing = Message.objects.with_external_ids(store, {channel}, {external_id}).first()
            if existing is not None:
                return existing
        raise


def _receive(
    *,
    store: Store,
    customer: Customer,
    channel: str,
    text: str,
    by: Actor,
    html: str,
    subject: str,
    category: str,
    external_id: str,
    external_thread_id: str,
    attachments: Sequence[InboundAttachment],
    sent_at: datetime | None,
    conversation: Conversation | None,
) -> Message:
    now = timezone.now()
    opened: set[int] = set()
    if conversation is None:
        conversation, previous = _find_thread(
            store=store, customer=customer, channel=channel, external_thread_id=external_thread_id
        )
        if conversation is None:
            conversation = open_conversation(
                store=store,
                customer=customer,
                channel=channel,
                by=by,
                subject=subject or text[:120],
                category=category,
                external_thread_id=external_thread_id,
                previous=previous,
            )
            opened = {conversation.pk}
    message = Message.objects.create(
        store=store,
        conversation=conversation,
        direction=Direction.INBOUND,
        author_kind=AuthorKind.CUSTOMER,
        author_label=customer.display_name,
        text=text,
        html=sanitize_html(html),
        channel=channel,
        external_id=external_id,
        created_at=now,
        meta={"sent_at": sent_at.isoformat()} if sent_at else {},
    )
    _store_attachments(message, attachments)
    fields, old_status = apply_inbound(conversation, at=now)
    conversation.save(update_fields=fields)
    record_event(
        conversation=conversation, type=EventType.MESSAGE_RECEIVED, by=by, payload={"message_id": message.pk}
    )
    if old_status is not None:
        record_event(
            conversation=conversation,
            type=reopen_event_type(old_status),
            by=by,
            payload={"from": old_status, "to": Status.OPEN},
        )
        announce_update(conversation, changes={"status": [old_status, Status.OPEN]}, status_changed=True)
    _announce_message(message)
    if conversation.customer_id == customer.pk:
        conversation.customer = customer  # the policies match on its tags: saves reloading it
    refresh_targets([conversation.pk], conversations=[conversation], fresh=opened)
    return message


def _announce_message(message: Message) -> None:
    if message.direction != Direction.NOTE:
        emit(
            store_id=message.store_id,
            event="message.created",
            data=lambda: {"message": message_payload(message)},
        )
    store_id = message.store_id
    payload = {
        "conversation_id": message.conversation_id,
        "message_id": message.pk,
        "direction": message.direction,
    }
    transaction.on_commit(lambda: realtime.publish(store_id, "message.created", "agents", payload))


def reply(
    *,
    conversation: Conversation,
    text: str,
    by: Actor,
    html: str = "",
    attachments: Sequence[InboundAttachment] = (),
    set_status: str | None = None,
) -> Message:
    """An agent's (or the bot's) public answer to the customer."""
    check_can_work(by, conversation)
    check_can_reply(by=by)  # pending must-read announcements block an agent's reply (a store setting)
    _check_text(text, required=not attachments)
    check_attachments(attachments)
    if set_status is not None and set_status not in Status.values:
        raise InvalidInput(_("Unknown status “%(status)s”.") % {"status": set_status[:30]}, field="status")
    from zabota.conversations.actions.properties import set_status as change_status

    with transaction.atomic(), deferred_refresh():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        now = timezone.now()
        author_kind = AuthorKind.BOT if by.kind == "bot" else AuthorKind.AGENT
        message = Message.objects.create(
            store_id=conversation.store_id,
            conversation=conversation,
            direction=Direction.OUTBOUND,
            author_kind=author_kind,
            author_agent=by.agent,
            author_label=by.label,
            text=text,
            html=sanitize_html(html),
            channel=conversation.channel,
            created_at=now,
        )
        _store_attachments(message, attachments)
        if conversation.channel == Channel.EMAIL:
            from zabota.conversations.email_outbound import queue_email

            queue_email(message)
        fields = ["last_message_at", "message_count", "waiting_since", "updated_at"]
        conversation.last_message_at = now
        conversation.message_count += 1
        conversation.waiting_since = None
        if conversation.first_response_at is None and author_kind == AuthorKind.AGENT:
            conversation.first_response_at = now
            fields.append("first_response_at")
        if conversation.assignee_id is None and by.agent is not None:
            conversation.assignee = by.agent
            fields.append("assignee")
            record_event(
                conversation=conversation,
                type=EventType.ASSIGNED,
                by=by,
                payload={"from": None, "to": by.agent.pk, "to_name": by.agent.display_name},
            )
        conversation.save(update_fields=fields)
        if "assignee" in fields:
            announce_update(conversation, changes={"assignee_id": [None, conversation.assignee_id]})
        record_event(
            conversation=conversation, type=EventType.REPLIED, by=by, payload={"message_id": message.pk}
        )
        target_status = set_status or (Status.OPEN if conversation.status == Status.NEW else None)
        if target_status and target_status != conversation.status:
            change_status(conversation=conversation, status=target_status, by=by)
        _announce_message(message)
        refresh_targets([conversation.pk])
    return message


def add_note(*, conversation: Conversation, text: str, by: Actor) -> Message:
    """An internal note: never sent to the customer."""
    check_can_work(by, conversation)
    _check_text(text, required=True)
    with transaction.atomic():
        message = Message.objects.create(
            store_id=conversation.store_id,
            conversation=conversation,
            direction=Direction.NOTE,
            author_kind=AuthorKind.AGENT if by.kind == "agent" else AuthorKind.SYSTEM,
            author_agent=by.agent,
            author_label=by.label,
            text=text,
            channel=conversation.channel,
            created_at=timezone.now(),
        )
        record_event(
            conversation=conversation, type=EventType.NOTE_ADDED, by=by, payload={"message_id": message.pk}
        )
        _announce_message(message)
    return message
