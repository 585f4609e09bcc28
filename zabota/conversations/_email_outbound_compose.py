"""Building an outbound email reply: its recipient, thread headers and `OutboundEmail` (see `email_outbound`)."""

from __future__ import annotations

from zabota.connectors.email.compose import (
    OutboundAttachment,
    OutboundEmail,
    reply_subject,
    thread_references,
)
from zabota.connectors.email.tokens import make_token, reply_address
from zabota.connectors.models import Mailbox
from zabota.conversations.models import AuthorKind, Channel, Conversation, Direction, Message
from zabota.customers.models import Identity

THREAD_LOOKBACK = 50


def recipient(conversation: Conversation) -> tuple[str, str] | None:
    """(name, address): the Reply-To / From the customer's last email gave, else their email identity."""
    name = conversation.customer.display_name
    metas = (
        Message.objects.for_store(conversation.store_id)
        .filter(conversation=conversation, direction=Direction.INBOUND)
        .order_by("-created_at", "-id")
        .values_list("meta", flat=True)[:THREAD_LOOKBACK]
    )
    for meta in metas:
        if isinstance(meta, dict):
            address = meta.get("reply_to") or meta.get("from")
            if isinstance(address, str) and "@" in address:
                return name, address
    identity = (
        Identity.objects.filter(
            store_id=conversation.store_id, customer_id=conversation.customer_id, kind="email"
        )
        .order_by("-updated_at", "-id")
        .first()
    )
    return (name, identity.value) if identity is not None else None


def _thread_ids(message: Message, conversation: Conversation) -> tuple[str, str]:
    """(In-Reply-To, References): the customer's last email and the thread's Message-IDs before this reply."""
    rows = list(
        Message.objects.for_store(message.store_id)
        .filter(conversation=conversation, channel=Channel.EMAIL)
        .exclude(pk=message.pk)
        .exclude(direction=Direction.NOTE)
        .filter(created_at__lte=message.created_at)
        .order_by("created_at", "id")
        .values_list("direction", "external_id", "meta")
    )
    ids: list[str] = []
    in_reply_to = ""
    for direction, external_id, meta in rows:
        message_id = meta.get("message_id") if isinstance(meta, dict) else None
        value = message_id if isinstance(message_id, str) and message_id else external_id
        if value:
            ids.append(value)
            if direction == Direction.INBOUND:
                in_reply_to = value
    return in_reply_to, " ".join(thread_references(ids))


def outbound(
    message: Message, conversation: Conversation, mailbox: Mailbox, recipient: tuple[str, str]
) -> OutboundEmail:
    agent = message.author_agent
    in_reply_to, references = _thread_ids(message, conversation)
    token = make_token(store_id=conversation.store_id, conversation_id=conversation.pk)
    attachments = []
    for item in message.attachments.all():
        with item.file.open("rb") as handle:
            content = handle.read()
        attachments.append(
            OutboundAttachment(
                filename=item.filename,
                content_type=item.content_type,
                content=content,
                inline_cid=item.inline_cid,
            )
        )
    return OutboundEmail(
        from_address=mailbox.address,
        from_name=(agent.display_name if agent is not None else "")
        or mailbox.from_name
        or conversation.store.name,
        to_name=recipient[0],
        to_address=recipient[1],
        subject=reply_subject(conversation.subject, conversation.number),
        text=message.text,
        html=message.html,
        signature=agent.signature if agent is not None else "",
        message_id=message.external_id,
        reply_to=reply_address(mailbox.address, token),
        in_reply_to=in_reply_to,
        references=references.split(),
        attachments=attachments,
        date=message.created_at,
        automatic=message.author_kind in {AuthorKind.BOT, AuthorKind.SYSTEM},
    )
