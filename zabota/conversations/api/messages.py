"""API: reading messages (per conversation and store-wide) and a conversation's timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from zabota.conversations.models import Attachment, Conversation, ConversationEvent, Direction, Message
from zabota.core.api import ERRORS, MAX_ID, Page, PageParams, get_or_404, page_of
from zabota.core.errors import InvalidInput
from zabota.stores.auth import context_of, scoped
from zabota.stores.models import Scope

router = Router(tags=["messages"])


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str

    @staticmethod
    def resolve_url(obj: Attachment) -> str:
        return obj.file.url if obj.file else ""


class MessageOut(Schema):
    id: int
    conversation_id: int
    direction: str
    author_kind: str
    author_agent_id: int | None
    author_label: str
    text: str
    html: str
    channel: str
    external_id: str
    delivery_status: str
    created_at: datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_attachments(obj: Message) -> list[Attachment]:
        return list(obj.attachments.all())


class EventOut(Schema):
    id: int
    conversation_id: int
    type: str
    actor_kind: str
    actor_agent_id: int | None
    actor_label: str
    payload: dict[str, Any]
    at: datetime


class MessageFilters(Schema):
    conversation_id: int | None = Field(None, ge=1, le=MAX_ID)
    direction: str | None = None
    since: datetime | None = Field(None, description="Messages created at or after this moment.")


def messages_of(request: HttpRequest) -> Any:
    return Message.objects.for_store(context_of(request).store).prefetch_related("attachments")


@router.get(
    "/conversations/{id}/messages",
    response={200: Page[MessageOut], **ERRORS},
    auth=scoped(Scope.CONVERSATIONS_READ),
)
def list_conversation_messages(request: HttpRequest, id: int, page: Query[PageParams]) -> dict[str, Any]:
    """Oldest first, internal notes included (the API is for agents and integrations, not customers)."""
    store = context_of(request).store
    conversation = get_or_404(Conversation.objects.filter(store=store), id)
    return page_of(messages_of(request).filter(conversation=conversation), page, ascending=True)


@router.get(
    "/conversations/{id}/events",
    response={200: Page[EventOut], **ERRORS},
    auth=scoped(Scope.CONVERSATIONS_READ),
)
def list_conversation_events(request: HttpRequest, id: int, page: Query[PageParams]) -> dict[str, Any]:
    """The timeline and audit trail, oldest first."""
    store = context_of(request).store
    conversation = get_or_404(Conversation.objects.filter(store=store), id)
    events = ConversationEvent.objects.for_store(store).filter(conversation=conversation)
    return page_of(events, page, ascending=True)


@router.get("/messages", response={200: Page[MessageOut], **ERRORS}, auth=scoped(Scope.CONVERSATIONS_READ))
def list_messages(
    request: HttpRequest, filters: Query[MessageFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Store-wide, newest first: the feed an integration polls with ``since``."""
    messages = messages_of(request)
    if filters.direction is not None:
        if filters.direction not in Direction.values:
            raise InvalidInput(
                _("“%(value)s” is not a valid direction.") % {"value": filters.direction[:30]},
                field="direction",
            )
        messages = messages.filter(direction=filters.direction)
    if filters.conversation_id is not None:
        messages = messages.filter(conversation_id=filters.conversation_id)
    if filters.since is not None:
        since = filters.since
        if timezone.is_naive(since):
            since = timezone.make_aware(since)
        messages = messages.filter(created_at__gte=since)
    return page_of(messages, page)
