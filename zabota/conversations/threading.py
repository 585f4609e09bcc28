"""Threading rules shared by the one-by-one and the bulk inbound paths (no queries here)."""

from __future__ import annotations

from datetime import datetime, timedelta

from zabota.conversations.models import Conversation, EventType, Status
from zabota.stores.models import Store


def continue_or_link(
    candidate: Conversation | None, *, store: Store, now: datetime
) -> tuple[Conversation | None, Conversation | None]:
    """The threading rule on the latest conversation of a thread: continue it, or link a new one to it.

    Active conversations continue; a solved one continues (and reopens) within the store's reopen
    window; anything older or closed gets a new conversation pointing at it through ``previous``.
    """
    if candidate is None:
        return None, None
    if candidate.is_active:
        return candidate, None
    window = timedelta(days=store.reopen_window_days)
    ended_at = candidate.solved_at or candidate.closed_at or candidate.updated_at
    if candidate.status == Status.SOLVED and ended_at >= now - window:
        return candidate, None
    return None, candidate


def apply_inbound(conversation: Conversation, *, at: datetime) -> tuple[list[str], str | None]:
    """Update a conversation in memory for a new customer message; returns (changed fields, reopened from)."""
    fields = ["last_message_at", "message_count", "updated_at"]
    conversation.last_message_at = at
    conversation.message_count += 1
    conversation.updated_at = at
    if conversation.waiting_since is None:
        conversation.waiting_since = at
        fields.append("waiting_since")
    if conversation.status not in (Status.PENDING, Status.SOLVED, Status.CLOSED):
        return fields, None
    old_status = conversation.status
    conversation.status = Status.OPEN
    conversation.solved_at = None
    return [*fields, "status", "solved_at"], old_status


def reopen_event_type(old_status: str) -> str:
    return EventType.REOPENED if old_status != Status.PENDING else EventType.STATUS_CHANGED
