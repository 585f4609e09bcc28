"""Merging two customers (leads and administrators) and undoing a merge from the history.

The conversations layer moves the customers' conversations too, so these views live here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from zabota.conversations import actions
from zabota.conversations.models import Conversation
from zabota.conversations.views_customers.forms import MergeForm
from zabota.conversations.views_customers.listing import search_customers, with_counts
from zabota.conversations.views_customers.profile import get_customer
from zabota.core.errors import DomainError
from zabota.customers.models import Customer, CustomerMerge
from zabota.stores.permissions import Perm
from zabota.stores.views.common import actor_of, agent_required, can, current_store

_MERGE = "customers/merge.html"
_CANDIDATES = 20


def _require_merge(request: HttpRequest) -> None:
    if not can(request, Perm.MERGE_CUSTOMERS):
        raise HttpPermissionDenied


def _what_moves(source: Customer) -> dict[str, Any]:
    """Everything of the source that the merge hands over to the target."""
    return {
        "identities": list(source.identities.all()),
        "notes": list(source.notes.select_related("author")),
        "conversations": list(
            Conversation.objects.filter(store_id=source.store_id, customer=source).order_by("-created_at")
        ),
    }


@agent_required
@require_http_methods(["GET", "POST"])
def customer_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge another customer (the duplicate) into this one: search, confirm, merge."""
    target = get_customer(request, pk)
    _require_merge(request)
    store = current_store(request)
    if request.method == "POST":
        form = MergeForm(request.POST)
        if not form.is_valid():
            return render(
                request, _MERGE, {"target": target, "form_error": _("Choose a customer.")}, status=400
            )
        source = get_object_or_404(Customer.objects.for_store(store), pk=form.cleaned_data["other"])
        try:
            merge = actions.merge_customers(source=source, target=target, by=actor_of(request))
        except DomainError as exc:
            context = {
                "target": target,
                "source": source,
                "moves": _what_moves(source),
                "form_error": exc.message,
            }
            return render(request, _MERGE, context, status=exc.status)
        messages.success(
            request,
            _("%(source)s was merged into %(target)s.")
            % {"source": merge.source.display_name, "target": target.display_name},
        )
        return redirect("customers:detail", pk=target.pk)

    other = request.GET.get("other", "")
    if other.isdigit():
        source = get_object_or_404(Customer.objects.for_store(store), pk=int(other))
        context = {"target": target, "source": source, "moves": _what_moves(source)}
        return render(request, _MERGE, context)
    q = request.GET.get("q", "")[:200]
    candidates = (
        with_counts(search_customers(store, q).exclude(pk=target.pk)).order_by("-created_at", "-id")[
            :_CANDIDATES
        ]
        if q.strip()
        else []
    )
    template = "customers/_merge_candidates.html" if request.headers.get("HX-Request") else _MERGE
    return render(request, template, {"target": target, "q": q, "candidates": candidates})


@agent_required
@require_POST
def merge_undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    merge = get_object_or_404(
        CustomerMerge.objects.filter(store=current_store(request)).select_related("source", "target"),
        pk=merge_id,
    )
    _require_merge(request)
    try:
        source = actions.unmerge_customers(merge=merge, by=actor_of(request))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("customers:detail", pk=merge.target_id)
    messages.success(
        request,
        _("The merge was undone: %(source)s is a separate customer again.") % {"source": source.display_name},
    )
    return redirect("customers:detail", pk=merge.target_id)
