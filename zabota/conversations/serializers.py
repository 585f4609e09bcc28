"""Plain-dict views of conversations and messages for webhooks and realtime events."""

from __future__ import annotations

from typing import Any

from zabota.conversations.models import Conversation, Message


def conversation_payload(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "number": conversation.number,
        "customer_id": conversation.customer_id,
        "channel": conversation.channel,
        "subject": conversation.subject,
        "category": conversation.category,
        "status": conversation.status,
        "priority": conversation.priority,
        "assignee_id": conversation.assignee_id,
        "team_id": conversation.team_id,
        "tier": conversation.tier,
        "tags": sorted(t.name for t in conversation.tags.all()),
        "external_thread_id": conversation.external_thread_id,
        "created_at": conversation.created_at.isoformat(),
        "updated_at": conversation.updated_at.isoformat(),
    }


def message_payload(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "direction": message.direction,
        "author_kind": message.author_kind,
        "author_agent_id": message.author_agent_id,
        "text": message.text,
        "channel": message.channel,
        "external_id": message.external_id,
        "created_at": message.created_at.isoformat(),
    }
