"""API: what agents and integrations do to a conversation (reply, note, transfer, escalate, merge, macro)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from zabota.conversations import actions
from zabota.conversations.api.conversations import ConversationOut, conversations_of
from zabota.conversations.api.messages import MessageOut
from zabota.conversations.models import Conversation, Macro, Message
from zabota.core.api import ERRORS, MAX_ID, get_or_404
from zabota.stores.auth import ApiContext, context_of, scoped
from zabota.stores.models import Agent, Scope, Team

router = Router(tags=["conversations"])
WRITE = Scope.CONVERSATIONS_WRITE


class ReplyIn(Schema):
    text: str
    html: str = ""
    status: str | None = Field(None, description="Set this status after replying, e.g. pending or solved.")


class NoteIn(Schema):
    text: str


class TransferIn(Schema):
    to_agent_id: int | None = Field(None, ge=1, le=MAX_ID)
    to_team_id: int | None = Field(None, ge=1, le=MAX_ID)
    reason: str = Field("", max_length=500)


class MergeIn(Schema):
    target_id: int = Field(..., ge=1, le=MAX_ID)


class ApplyMacroIn(Schema):
    send: bool = Field(True, description="Send the rendered reply; false only returns it for editing.")


class ApplyMacroOut(Schema):
    text: str
    conversation: ConversationOut


def _conversation(context: ApiContext, id: int) -> Conversation:
    return get_or_404(conversations_of(context), id)


def _agent_and_team(
    context: ApiContext, agent_id: int | None, team_id: int | None
) -> tuple[Agent | None, Team | None]:
    agent = (
        None
        if agent_id is None
        else get_or_404(Agent.objects.for_store(context.store), agent_id, field="to_agent_id")
    )
    team = (
        None
        if team_id is None
        else get_or_404(Team.objects.for_store(context.store), team_id, field="to_team_id")
    )
    return agent, team


def _message(message: Message) -> Message:
    return Message.objects.prefetch_related("attachments").get(pk=message.pk)


@router.post("/conversations/{id}/replies", response={201: MessageOut, **ERRORS}, auth=scoped(WRITE))
def reply(request: HttpRequest, id: int, payload: ReplyIn) -> Status[Message]:
    """A public answer sent to the customer through the conversation's channel."""
    context = context_of(request)
    conversation = _conversation(context, id)
    message = actions.reply(
        conversation=conversation,
        text=payload.text,
        html=payload.html,
        set_status=payload.status,
        by=context.actor,
    )
    return Status(201, _message(message))


@router.post("/conversations/{id}/notes", response={201: MessageOut, **ERRORS}, auth=scoped(WRITE))
def add_note(request: HttpRequest, id: int, payload: NoteIn) -> Status[Message]:
    """An internal note, never sent to the customer."""
    context = context_of(request)
    message = actions.add_note(conversation=_conversation(context, id), text=payload.text, by=context.actor)
    return Status(201, _message(message))


@router.post("/conversations/{id}/transfer", response={200: ConversationOut, **ERRORS}, auth=scoped(WRITE))
def transfer(request: HttpRequest, id: int, payload: TransferIn) -> Conversation:
    context = context_of(request)
    conversation = _conversation(context, id)
    agent, team = _agent_and_team(context, payload.to_agent_id, payload.to_team_id)
    actions.transfer(
        conversation=conversation, by=context.actor, to_agent=agent, to_team=team, reason=payload.reason
    )
    return _conversation(context, id)


@router.post("/conversations/{id}/escalate", response={200: ConversationOut, **ERRORS}, auth=scoped(WRITE))
def escalate(request: HttpRequest, id: int, payload: TransferIn) -> Conversation:
    """L1 → L2, optionally to a given L2 agent and/or team."""
    context = context_of(request)
    conversation = _conversation(context, id)
    agent, team = _agent_and_team(context, payload.to_agent_id, payload.to_team_id)
    actions.escalate(
        conversation=conversation, by=context.actor, reason=payload.reason, to_agent=agent, to_team=team
    )
    return _conversation(context, id)


@router.post("/conversations/{id}/merge", response={200: ConversationOut, **ERRORS}, auth=scoped(WRITE))
def merge(request: HttpRequest, id: int, payload: MergeIn) -> Conversation:
    """Merge this conversation into ``target_id``; returns the target, which now holds the messages."""
    context = context_of(request)
    source = _conversation(context, id)
    target = get_or_404(conversations_of(context), payload.target_id, field="target_id")
    actions.merge_conversations(source=source, target=target, by=context.actor)
    return _conversation(context, target.pk)


@router.post(
    "/conversations/{id}/macros/{macro_id}", response={200: ApplyMacroOut, **ERRORS}, auth=scoped(WRITE)
)
def apply_macro(
    request: HttpRequest, id: int, macro_id: int, payload: ApplyMacroIn | None = None
) -> dict[str, Any]:
    context = context_of(request)
    conversation = _conversation(context, id)
    macro = get_or_404(Macro.objects.for_store(context.store).active(), macro_id)
    send = payload.send if payload is not None else True
    with transaction.atomic():
        text = actions.apply_macro(conversation=conversation, macro=macro, by=context.actor, send=send)
    return {"text": text, "conversation": _conversation(context, id)}
