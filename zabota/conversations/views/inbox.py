"""The inbox: views, filters and sorting from GET parameters; htmx swaps only the list."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from zabota.conversations import targets
from zabota.conversations.models import Category, Channel, Priority, Status, Tag
from zabota.conversations.queries import (
    SORTS,
    VIEWS,
    InboxFilters,
    agent_team_ids,
    inbox_queryset,
    view_counts,
)
from zabota.conversations.views.conversation import current_agent
from zabota.conversations.views.present import waiting_label
from zabota.core.views import agent_required
from zabota.stores.models import agents_of

PAGE_SIZE = 25


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect("inbox")


@require_GET
@agent_required
def inbox(request: HttpRequest) -> HttpResponse:
    agent = current_agent(request)
    filters = InboxFilters.from_params(request.GET)
    team_ids = agent_team_ids(agent)
    paginator = Paginator(inbox_queryset(agent, filters, team_ids), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    now = timezone.now()
    for conversation in page.object_list:
        conversation.waiting = waiting_label(conversation.waiting_since, now)
        due = targets.nearest(getattr(conversation, "open_deadlines", []))
        conversation.target = targets.describe(due, now) if due is not None else None
    counts = view_counts(agent, team_ids)
    context: dict[str, Any] = {
        "filters": filters,
        "page": page,
        "paginator": paginator,
        "views": [
            (key, label, counts[key], "?" + urlencode(filters.as_params(view=key, page="")))
            for key, label in VIEWS
        ],
        "current_query": urlencode(filters.as_params()),
        "sorts": SORTS,
    }
    if request.htmx and request.htmx.target == "inbox-list":  # type: ignore[attr-defined]
        return render(request, "conversations/_inbox_list.html", context)
    store = agent.store
    context.update(
        {
            "channels": Channel.choices,
            "categories": Category.choices,
            "statuses": Status.choices,
            "priorities": Priority.choices,
            "tags": list(Tag.objects.for_store(store).values_list("name", flat=True)),
            "agents": list(agents_of(store)),
        }
    )
    return render(request, "conversations/inbox.html", context)
