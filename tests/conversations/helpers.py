"""Helpers for action tests: the timeline as plain tuples, webhook subscriptions, enqueued tasks."""

from __future__ import annotations

from typing import Any

from zabota.conversations.models import Conversation, ConversationEvent
from zabota.core.realtime import RealtimeEvent
from zabota.stores.models import Store
from zabota.webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription

ALL_EVENTS = [e.value for e in WebhookEvent]

Row = tuple[str, str, int | None, dict[str, Any]]


def timeline(conversation: Conversation, *, after: int = 0) -> list[Row]:
    """(type, actor_kind, actor_agent_id, payload) of every event with an id above ``after``."""
    return [
        (e.type, e.actor_kind, e.actor_agent_id, e.payload)
        for e in ConversationEvent.objects.filter(conversation=conversation, id__gt=after).order_by(
            "at", "id"
        )
    ]


def last_event_id() -> int:
    return ConversationEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def subscribe(
    store: Store, events: list[str] | None = None, *, url: str = "http://127.0.0.1:9/hook"
) -> WebhookSubscription:
    return WebhookSubscription.objects.create(store=store, url=url, events=events or ALL_EVENTS)


def delivered(subscription: WebhookSubscription | None = None) -> list[str]:
    """Event names of the deliveries created, oldest first."""
    rows = WebhookDelivery.objects.order_by("id")
    if subscription is not None:
        rows = rows.filter(subscription=subscription)
    return list(rows.values_list("event", flat=True))


def names(published: list[RealtimeEvent]) -> list[str]:
    return [e.event for e in published]
