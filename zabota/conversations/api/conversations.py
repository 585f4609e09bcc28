"""API: listing, reading, opening and changing conversations."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja import Status as Respond

from zabota.conversations import actions
from zabota.conversations.models import (
    Category,
    Channel,
    Conversation,
    ConversationQuerySet,
    Priority,
    Status,
)
from zabota.core.api import ERRORS, MAX_ID, Page, PageParams, get_or_404, page_of
from zabota.core.errors import InvalidInput
from zabota.customers.models import Customer
from zabota.stores.auth import ApiContext, context_of, scoped
from zabota.stores.models import Agent, Scope, Team

router = Router(tags=["conversations"])


class ConversationOut(Schema):
    id: int
    number: int
    customer_id: int
    channel: str
    subject: str
    category: str
    status: str
    priority: str
    tier: str
    assignee_id: int | None
    team_id: int | None
    tags: list[str]
    external_thread_id: str
    message_count: int
    transfer_count: int
    merged_into_id: int | None
    previous_id: int | None
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime | None
    first_response_at: datetime | None
    waiting_since: datetime | None
    solved_at: datetime | None
    closed_at: datetime | None

    @staticmethod
    def resolve_tags(obj: Conversation) -> list[str]:
        return sorted(tag.name for tag in obj.tags.all())


class ConversationFilters(Schema):
    status: list[str] = Field(default_factory=list, description="Repeat or comma-separate: status=new,open")
    channel: str | None = None
    category: str | None = None
    priority: str | None = None
    assignee_id: int | None = Field(None, ge=1, le=MAX_ID)
    team_id: int | None = Field(None, ge=1, le=MAX_ID)
    customer_id: int | None = Field(None, ge=1, le=MAX_ID)
    tag: str | None = Field(None, max_length=60)
    unassigned: bool | None = None
    updated_since: datetime | None = None


class ConversationIn(Schema):
    customer_id: int = Field(..., ge=1, le=MAX_ID)
    channel: str = Channel.API
    subject: str = Field("", max_length=300)
    category: str = ""
    text: str = Field("", description="An optional first (outbound) message from the token's actor.")


class ConversationPatch(Schema):
    status: str | None = None
    priority: str | None = None
    category: str | None = None
    subject: str | None = Field(None, max_length=300)
    assignee_id: int | None = Field(None, ge=1, le=MAX_ID)
    team_id: int | None = Field(None, ge=1, le=MAX_ID)
    tags: list[str] | None = Field(None, max_length=30)


def conversations_of(context: ApiContext) -> ConversationQuerySet:
    """Live (not merged-away) conversations of the token's store, with what the output needs."""
    return Conversation.objects.for_store(context.store).prefetch_related("tags")


def _check_choice(value: str | None, allowed: list[str], field: str) -> None:
    if value is not None and value not in allowed:
        raise InvalidInput(
            _("“%(value)s” is not a valid %(field)s.") % {"value": value[:30], "field": field}, field=field
        )


def _filtered(context: ApiContext, filters: ConversationFilters) -> ConversationQuerySet:
    conversations = conversations_of(context)
    statuses = [s.strip() for item in filters.status for s in item.split(",") if s.strip()]
    for status in statuses:
        _check_choice(status, Status.values, "status")
    _check_choice(filters.channel, Channel.values, "channel")
    _check_choice(filters.category, Category.values, "category")
    _check_choice(filters.priority, Priority.values, "priority")
    if statuses:
        conversations = conversations.with_status(*statuses)
    if filters.channel:
        conversations = conversations.filter(channel=filters.channel)
    if filters.category:
        conversations = conversations.filter(category=filters.category)
    if filters.priority:
        conversations = conversations.filter(priority=filters.priority)
    if filters.assignee_id is not None:
        conversations = conversations.filter(assignee_id=filters.assignee_id)
    if filters.team_id is not None:
        conversations = conversations.filter(team_id=filters.team_id)
    if filters.customer_id is not None:
        conversations = conversations.filter(customer_id=filters.customer_id)
    if filters.tag:
        conversations = conversations.filter(tags__name=filters.tag.strip().lower())
    if filters.unassigned:
        conversations = conversations.unassigned()
    if filters.updated_since is not None:
        since = filters.updated_since
        if timezone.is_naive(since):
            since = timezone.make_aware(since)
        conversations = conversations.filter(updated_at__gte=since)
    return conversations


@router.get(
    "/conversations", response={200: Page[ConversationOut], **ERRORS}, auth=scoped(Scope.CONVERSATIONS_READ)
)
def list_conversations(
    request: HttpRequest, filters: Query[ConversationFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Newest first; every filter narrows the store's live conversations."""
    return page_of(_filtered(context_of(request), filters), page)


@router.get(
    "/conversations/{id}", response={200: ConversationOut, **ERRORS}, auth=scoped(Scope.CONVERSATIONS_READ)
)
def get_conversation(request: HttpRequest, id: int, by: Literal["id", "number"] = "id") -> Conversation:
    """By id, or by the store's conversation number with ``?by=number``; merged ones stay readable."""
    context = context_of(request)
    every = Conversation.objects.filter(store=context.store).prefetch_related("tags")
    if by == "number":
        every = every.filter(number=id)
        return get_or_404(every, every.values_list("pk", flat=True).first() or 0)
    return get_or_404(every, id)


@router.post(
    "/conversations", response={201: ConversationOut, **ERRORS}, auth=scoped(Scope.CONVERSATIONS_WRITE)
)
def open_conversation(request: HttpRequest, payload: ConversationIn) -> Respond[Conversation]:
    """Open a conversation with an existing customer, optionally starting with an outbound message."""
    context = context_of(request)
    customer = get_or_404(Customer.objects.for_store(context.store), payload.customer_id, field="customer_id")
    with transaction.atomic():
        conversation = actions.open_conversation(
            store=context.store,
            customer=customer,
            channel=payload.channel,
            by=context.actor,
            subject=payload.subject,
            category=payload.category,
        )
        if payload.text.strip():
            actions.reply(conversation=conversation, text=payload.text, by=context.actor)
    return Respond(201, get_or_404(conversations_of(context), conversation.pk))


@router.patch(
    "/conversations/{id}", response={200: ConversationOut, **ERRORS}, auth=scoped(Scope.CONVERSATIONS_WRITE)
)
def update_conversation(request: HttpRequest, id: int, payload: ConversationPatch) -> Conversation:
    """Each given field goes through its own action (one event each); all or nothing."""
    context = context_of(request)
    conversation = get_or_404(conversations_of(context), id)
    changes = payload.model_dump(exclude_unset=True)
    by = context.actor
    with transaction.atomic():
        if "subject" in changes:
            actions.set_subject(conversation=conversation, subject=changes["subject"] or "", by=by)
        if changes.get("category") is not None:
            actions.set_category(conversation=conversation, category=changes["category"], by=by)
        if changes.get("priority") is not None:
            actions.set_priority(conversation=conversation, priority=changes["priority"], by=by)
        if "tags" in changes:
            actions.set_tags(conversation=conversation, names=changes["tags"] or [], by=by)
        if "team_id" in changes:
            team = None
            if changes["team_id"] is not None:
                team = get_or_404(Team.objects.for_store(context.store), changes["team_id"], field="team_id")
            actions.set_team(conversation=conversation, team=team, by=by)
        if "assignee_id" in changes:
            agent = None
            if changes["assignee_id"] is not None:
                agents = Agent.objects.for_store(context.store)
                agent = get_or_404(agents, changes["assignee_id"], field="assignee_id")
            actions.assign(conversation=conversation, to=agent, by=by)
        if changes.get("status") is not None:
            actions.set_status(conversation=conversation, status=changes["status"], by=by)
    return get_or_404(conversations_of(context), id)
