"""Shared helpers of the routing tests (``test_routing*.py``)."""

from __future__ import annotations

from tests.factories import make_agent
from zabota.conversations.models import Conversation
from zabota.stores.models import Store


def set_mode(store: Store, mode: str = "least_loaded", **extra: bool) -> None:
    store.options = {**store.options, "routing": {"mode": mode, **extra}}
    store.save()


def online(store: Store, name: str, **kwargs):
    return make_agent(store, name=name, presence="online", **kwargs)


def assignee_name(conversation: Conversation) -> str | None:
    conversation.refresh_from_db()
    return conversation.assignee.display_name if conversation.assignee else None
