"""Helpers shared by conversation actions: events, side effects after commit."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from zabota.conversations.models import Conversation, ConversationEvent
from zabota.conversations.serializers import conversation_payload
from zabota.core import realtime
from zabota.stores.actors import Actor
from zabota.stores.permissions import Perm, require
from zabota.webhooks.actions import Data, emit_many


def record_event(
    *, conversation: Conversation, type: str, by: Actor, payload: dict[str, Any] | None = None
) -> ConversationEvent:
    return ConversationEvent.objects.create(
        store_id=conversation.store_id,
        conversation=conversation,
        type=type,
        actor_kind=by.kind,
        actor_agent=by.agent,
        actor_label=by.label,
        payload=payload or {},
        at=timezone.now(),
    )


def check_can_work(by: Actor, conversation: Conversation) -> None:
    """An active agent of the conversation's store (or the system, bot, customer, an integration)."""
    require(by, Perm.WORK_CONVERSATIONS, store=conversation.store_id)


def announce_update(
    conversation: Conversation, *, changes: dict[str, Any], status_changed: bool = False
) -> None:
    """Emit webhooks now (rows in this transaction) and realtime after commit."""

    def data() -> dict[str, Any]:
        return {"conversation": conversation_payload(conversation), "changes": changes}

    events: list[tuple[str, Data]] = [("conversation.updated", data)]
    if status_changed:
        events.append(("conversation.status_changed", data))
    emit_many(store_id=conversation.store_id, items=events)
    store_id, conversation_id = conversation.store_id, conversation.pk
    transaction.on_commit(
        lambda: realtime.publish(
            store_id,
            "conversation.updated",
            "agents",
            {"conversation_id": conversation_id, "changes": changes},
        )
    )
