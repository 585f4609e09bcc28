"""Shared helper for the inbound email tests."""

from __future__ import annotations

from django.utils import timezone

from zabota.conversations.models import Conversation, Direction, Message


def recorded_outbound(conversation: Conversation, message_id: str) -> Message:
    """An agent's email as the outbound side records it (our Message-ID as external_id)."""
    return Message.objects.create(
        store=conversation.store,
        conversation=conversation,
        direction=Direction.OUTBOUND,
        author_kind="agent",
        text="Ответ магазина",
        channel="email",
        external_id=message_id,
        delivery_status="sent",
        created_at=timezone.now(),
    )
