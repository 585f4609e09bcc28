"""POST endpoints of the conversation page: each parses the form, calls one action, swaps fragments.

Every write goes through ``zabota.conversations.actions`` (or ``zabota.customers.actions`` for
customer notes) as ``Actor.of_agent(request.agent)``; a ``DomainError`` becomes an inline 4xx
fragment through ``agent_required``.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zabota.connectors.inbound import InboundAttachment
from zabota.conversations import actions
from zabota.conversations.actions.macros import placeholder_values
from zabota.conversations.models import Conversation, DeliveryStatus, Macro, Status
from zabota.conversations.views.conversation import (
    CUSTOMER,
    HEADER,
    PROPERTIES,
    REPLY_BOX,
    SCRIPTS,
    THREAD,
    TIMELINE,
    actor_of,
    current_agent,
    get_conversation,
    render_update,
)
from zabota.core.errors import InvalidInput, NotFound, PayloadTooLarge
from zabota.core.views import agent_required
from zabota.customers import actions as customer_actions
from zabota.stores.models import Agent, Team

_REPLY_THEN = {"": None, Status.PENDING.value: Status.PENDING, Status.SOLVED.value: Status.SOLVED}
_ALL = (THREAD, PROPERTIES, TIMELINE, HEADER, REPLY_BOX)


def _text(request: HttpRequest, name: str = "text") -> str:
    return str(request.POST.get(name, ""))


def _id(request: HttpRequest, name: str) -> int | None:
    raw = str(request.POST.get(name, "")).strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise InvalidInput(_("“%(value)s” is not a valid choice.") % {"value": raw[:30]}, field=name)
    return int(raw)


def _agent(request: HttpRequest, name: str) -> Agent | None:
    pk = _id(request, name)
    if pk is None:
        return None
    agent = Agent.objects.for_store(current_agent(request).store_id).filter(pk=pk).first()
    if agent is None:
        raise NotFound(_("No such agent in this store."), field=name)
    return agent


def _team(request: HttpRequest, name: str) -> Team | None:
    pk = _id(request, name)
    if pk is None:
        return None
    team = Team.objects.for_store(current_agent(request).store_id).filter(pk=pk).first()
    if team is None:
        raise NotFound(_("No such team in this store."), field=name)
    return team


def _macro(request: HttpRequest) -> Macro:
    pk = _id(request, "macro")
    if pk is None:
        raise InvalidInput(_("Choose a macro."), field="macro")
    macro = Macro.objects.for_store(current_agent(request).store_id).active().filter(pk=pk).first()
    if macro is None:
        raise NotFound(_("No such macro in this store."), field="macro")
    return macro


def _uploads(request: HttpRequest) -> list[InboundAttachment]:
    files = []
    for upload in request.FILES.getlist("files"):
        if upload.size and upload.size > settings.ZABOTA_MAX_ATTACHMENT_BYTES:
            raise PayloadTooLarge(_("“%(name)s” is too large.") % {"name": upload.name}, field="files")
        files.append(
            InboundAttachment(
                filename=upload.name or "file",
                content_type=upload.content_type or "application/octet-stream",
                content=upload.read(),
            )
        )
    return files


@require_POST
@agent_required
def reply(request: HttpRequest, number: int) -> HttpResponse:
    conversation = get_conversation(request, number)
    then = str(request.POST.get("then", ""))
    if then not in _REPLY_THEN:
        raise InvalidInput(_("Unknown status “%(status)s”.") % {"status": then[:30]}, field="then")
    sent = actions.reply(
        conversation=conversation,
        text=_text(request),
        attachments=_uploads(request),
        set_status=_REPLY_THEN[then],
        by=actor_of(request),
    )
    sent.refresh_from_db(fields=["delivery_status", "delivery_error"])
    if sent.delivery_status == DeliveryStatus.FAILED:
        # Saved in the conversation but not delivered (e.g. no mailbox): say so instead of "sent".
        notice = _("The reply is saved in the conversation. %(error)s") % {"error": sent.delivery_error}
        return render_update(request, number, message=notice, parts=_ALL)
    return render_update(request, number, message=_("Reply sent."), parts=_ALL)


@require_POST
@agent_required
def note(request: HttpRequest, number: int) -> HttpResponse:
    conversation = get_conversation(request, number)
    actions.add_note(conversation=conversation, text=_text(request), by=actor_of(request))
    return render_update(request, number, message=_("Note added."), parts=_ALL)


@require_POST
@agent_required
def set_status(request: HttpRequest, number: int) -> HttpResponse:
    conversation = get_conversation(request, number)
    actions.set_status(conversation=conversation, status=_text(request, "status"), by=actor_of(request))
    return render_update(request, number, message=_("Status changed."))


@require_POST
@agent_required
def set_priority(request: HttpRequest, number: int) -> HttpResponse:
    conversation = get_conversation(request, number)
    actions.set_priority(conversation=conversation, priority=_text(request, "priority"), by=actor_of(request))
    return render_update(request, number, message=_("Priority changed."))


@require_POST
@agent_required
def set_category(request: HttpRequest, number: int) -> HttpResponse:
    conversation = get_conversation(request, number)
    actions.set_category(conversation=conversation, category=_text(request, "category"), by=actor_of(request))
    return render_update(
        request, number, message=_("Category changed."), parts=(THREAD, PROPERTIES, TIMELINE, HEADER, SCRIPTS)
    )


@require_POST
@agent_required
def set_subject(request: HttpRequest, number: int) -> HttpResponse:
    conversation = get_conversation(request, number)
    actions.set_subject(conversation=conversation, subject=_text(request, "subject"), by=actor_of(request))
    return render_update(request, number, message=_("Subject changed."))


@require_POST
@agent_required
def assign(request: HttpRequest, number: int) -> HttpResponse:
    conversation = get_conversation(request, number)
    raw = str(request.POST.get("assignee", "")).strip()
    to = current_agent(request) if raw == "me" else _agent(request, "assignee")
    actions.assign(conversation=conversation, to=to, by=actor_of(request))
    return render_update(request, number, message=_("Assignee changed."))


@require_POST
@agent_required
def set_team(request: HttpRequest, number: int) -> HttpResponse:
    conversation = get_conversation(request, number)
    actions.set_team(conversation=conversation, team=_team(request, "team"), by=actor_of(request))
    return render_update(request, number, message=_("Team changed."))


@require_POST
@agent_required
def set_tags(request: HttpRequest, number: int) -> HttpResponse:
    conversation = get_conversation(request, number)
    names = [n for n in _text(request, "tags").split(",") if n.strip()]
    actions.set_tags(conversation=conversation, names=names, by=actor_of(request))
    return render_update(request, number, message=_("Tags saved."))


@require_POST
@agent_required
def transfer(request: HttpRequest, number: int) -> HttpResponse:
    conversation = get_conversation(request, number)
    actions.transfer(
        conversation=conversation,
        to_agent=_agent(request, "to_agent"),
        to_team=_team(request, "to_team"),
        reason=_text(request, "reason"),
        by=actor_of(request),
    )
    return render_update(request, number, message=_("Conversation transferred."))


@require_POST
@agent_required
def escalate(request: HttpRequest, number: int) -> HttpResponse:
    conversation = get_conversation(request, number)
    actions.escalate(
        conversation=conversation,
        to_agent=_agent(request, "to_agent"),
        reason=_text(request, "reason"),
        by=actor_of(request),
    )
    return render_update(request, number, message=_("Escalated to L2."))


@require_POST
@agent_required
def merge(request: HttpRequest, number: int) -> HttpResponse:
    source = get_conversation(request, number)
    target_number = _id(request, "target")
    if target_number is None:
        raise InvalidInput(_("Enter the number of the conversation to merge into."), field="target")
    target = Conversation.objects.for_store(source.store_id).filter(number=target_number).first()
    if target is None:
        raise NotFound(_("No conversation #%(number)s in this store.") % {"number": target_number})
    actions.merge_conversations(source=source, target=target, by=actor_of(request))
    return render_update(request, number, message=_("Conversations merged."))


@require_POST
@agent_required
def macro_preview(request: HttpRequest, number: int) -> HttpResponse:
    """Put the macro's rendered text into the reply box for editing; nothing is written."""
    conversation = get_conversation(request, number)
    macro = _macro(request)
    text = actions.render(macro.text, placeholder_values(conversation, current_agent(request)))
    return render(
        request, "conversations/_reply_text.html", {"conversation": conversation, "reply_text": text}
    )


@require_POST
@agent_required
def macro_apply(request: HttpRequest, number: int) -> HttpResponse:
    conversation = get_conversation(request, number)
    macro = _macro(request)
    actions.apply_macro(conversation=conversation, macro=macro, by=actor_of(request), send=True)
    return render_update(
        request, number, message=_("Macro “%(name)s” applied.") % {"name": macro.name}, parts=_ALL
    )


@require_POST
@agent_required
def customer_note(request: HttpRequest, number: int) -> HttpResponse:
    conversation = get_conversation(request, number)
    customer_actions.add_note(customer=conversation.customer, text=_text(request), by=actor_of(request))
    return render_update(request, number, message=_("Customer note added."), parts=(CUSTOMER,))
