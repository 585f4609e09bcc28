"""The conversation page and the fragments its htmx forms swap (thread, properties, timeline…).

Every fragment is rendered from the same context built by ``page_context`` so that a full page
and an out-of-band update never disagree.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from zabota.conversations import targets
from zabota.conversations.models import (
    Category,
    Conversation,
    ConversationEvent,
    Deadline,
    Macro,
    Message,
    Priority,
    Script,
    Status,
    Tag,
)
from zabota.conversations.views.present import describe_event, waiting_label
from zabota.core.views import agent_required
from zabota.customers.models import CustomerNote, Identity
from zabota.stores.actors import Actor
from zabota.stores.models import Agent, Store, Team, Tier, agents_of
from zabota.stores.permissions import Perm, has_perm

PAGE_TEMPLATE = "conversations/conversation.html"
UPDATE_TEMPLATE = "conversations/_update.html"

#: Fragments an update may swap out of band; each maps to an include in ``_update.html``.
THREAD, PROPERTIES, TIMELINE, REPLY_BOX, CUSTOMER, HEADER, SCRIPTS = (
    "thread",
    "properties",
    "timeline",
    "reply_box",
    "customer",
    "header",
    "scripts",
)


def current_agent(request: HttpRequest) -> Agent:
    agent: Agent = request.agent  # type: ignore[attr-defined]
    return agent


def actor_of(request: HttpRequest) -> Actor:
    return Actor.of_agent(current_agent(request))


def get_conversation(request: HttpRequest, number: int) -> Conversation:
    """The conversation with this per-store number in the agent's store; another store's → 404."""
    conversation = (
        Conversation.objects.filter(store_id=current_agent(request).store_id, number=number)
        .select_related("customer", "assignee", "team", "store", "merged_into")
        .first()
    )
    if conversation is None:
        raise Http404
    return conversation


def page_context(request: HttpRequest, conversation: Conversation) -> dict[str, Any]:
    """Everything the page and its fragments show, loaded with a fixed number of queries."""
    agent = current_agent(request)
    store: Store = conversation.store
    actor = Actor.of_agent(agent)
    messages = list(
        Message.objects.for_store(store)
        .filter(conversation=conversation)
        .select_related("author_agent")
        .prefetch_related("attachments")
    )
    events = list(
        ConversationEvent.objects.for_store(store)
        .filter(conversation=conversation)
        .select_related("actor_agent")
    )
    for event in events:
        event.sentence = describe_event(event)  # type: ignore[attr-defined]
    customer = conversation.customer
    agents = list(agents_of(store))
    return {
        "conversation": conversation,
        "thread": messages,
        "events": events,
        "waiting": waiting_label(conversation.waiting_since),
        "tags": list(conversation.tags.all()),
        "all_tags": list(Tag.objects.for_store(store).values_list("name", flat=True)),
        "customer": customer,
        "identities": list(Identity.objects.filter(store=store, customer=customer)),
        "customer_notes": list(
            CustomerNote.objects.filter(store=store, customer=customer).select_related("author")[:20]
        ),
        "other_conversations": list(
            Conversation.objects.for_store(store)
            .filter(customer=customer)
            .exclude(pk=conversation.pk)
            .order_by("-id")[:10]
        ),
        "scripts": list(
            Script.objects.for_store(store)
            .matching(category=conversation.category, channel=conversation.channel)
            .prefetch_related("steps")
        ),
        "macros": list(Macro.objects.for_store(store).active()),
        "agents": agents,
        "l2_agents": [a for a in agents if a.tier == Tier.L2],
        "teams": list(Team.objects.for_store(store)),
        "statuses": [c for c in Status.choices if c[0] != Status.NEW],
        "priorities": Priority.choices,
        "categories": Category.choices,
        "can_assign_others": has_perm(actor, Perm.ASSIGN_OTHERS),
        "can_merge": has_perm(actor, Perm.MERGE_CONVERSATIONS),
        "is_l2": conversation.tier == Tier.L2,
        "targets": targets_of(conversation),
    }


def targets_of(conversation: Conversation) -> list[dict[str, object]]:
    """The service-target panel: running and paused cycles, then the latest met one of each kind."""
    now = timezone.now()
    rows = list(Deadline.objects.for_store(conversation.store_id).filter(conversation=conversation))
    shown = [r for r in rows if r.state in targets.shown_states()]
    latest_met: dict[str, Deadline] = {}
    for row in rows:
        newer = row.kind not in latest_met or row.seq > latest_met[row.kind].seq
        if row.state == "met" and row.kind not in {r.kind for r in shown} and newer:
            latest_met[row.kind] = row
    ordered = sorted(shown, key=lambda r: (r.state == "paused", r.due_at or now)) + list(latest_met.values())
    return [targets.describe(r, now) for r in ordered]


@require_GET
@agent_required
def conversation_targets(request: HttpRequest, number: int) -> HttpResponse:
    """The panel alone, for its 30 s refresh."""
    conversation = get_conversation(request, number)
    return render(
        request,
        "conversations/_targets.html",
        {"conversation": conversation, "targets": targets_of(conversation)},
    )


@require_GET
@agent_required
def conversation_detail(request: HttpRequest, number: int) -> HttpResponse:
    conversation = get_conversation(request, number)
    if conversation.merged_into is not None:
        return redirect("conversation", number=conversation.merged_into.number)
    return render(request, PAGE_TEMPLATE, page_context(request, conversation))


def render_update(
    request: HttpRequest,
    number: int,
    *,
    message: str,
    parts: tuple[str, ...] = (THREAD, PROPERTIES, TIMELINE, HEADER),
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """After a successful write: a flash message plus out-of-band swaps of the parts that changed.

    Without htmx (a plain form post) the browser is sent back to the page instead.
    """
    conversation = get_conversation(request, number)
    if conversation.merged_into is not None:
        target = conversation.merged_into.number
        if request.htmx:  # type: ignore[attr-defined]
            response = HttpResponse()
            response["HX-Redirect"] = reverse("conversation", kwargs={"number": target})
            return response
        return redirect("conversation", number=target)
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("conversation", number=conversation.number)
    context = page_context(request, conversation)
    context.update({"flash": message, "parts": parts, "oob": True, **(extra or {})})
    return render(request, UPDATE_TEMPLATE, context)
