"""A customer's profile: name, identities, notes, conversations and merge history."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zabota.conversations.models import Conversation
from zabota.conversations.targets import refresh_customer_targets
from zabota.conversations.views_customers.forms import (
    CustomerNameForm,
    CustomerTagsForm,
    IdentityForm,
    NoteForm,
)
from zabota.core.errors import DomainError
from zabota.customers import actions
from zabota.customers.models import Customer, CustomerMerge, Identity
from zabota.stores.permissions import Perm
from zabota.stores.views.common import actor_of, add_domain_error, agent_required, can, current_store

_PROFILE = "customers/detail.html"


def get_customer(request: HttpRequest, pk: int) -> Customer:
    return get_object_or_404(
        Customer.objects.for_store(current_store(request)).select_related("merged_into"), pk=pk
    )


def profile_context(request: HttpRequest, customer: Customer, **forms_: forms.Form) -> dict[str, Any]:
    store = current_store(request)
    conversations = (
        Conversation.objects.for_store(store)
        .filter(customer=customer)
        .select_related("assignee")
        .order_by("-created_at", "-id")
    )
    merges = (
        CustomerMerge.objects.filter(store=store)
        .filter(Q(source=customer) | Q(target=customer))
        .select_related("source", "target", "merged_by", "undone_by")
    )
    return {
        "customer": customer,
        "identities": list(customer.identities.all()),
        "notes": customer.notes.select_related("author"),
        "conversations": conversations,
        "merges": merges,
        "may_merge": can(request, Perm.MERGE_CUSTOMERS),
        "name_form": forms_.get("name_form")
        or CustomerNameForm(
            initial={
                "name": customer.name,
                "first_name": customer.first_name,
                "last_name": customer.last_name,
            }
        ),
        "identity_form": forms_.get("identity_form") or IdentityForm(),
        "tags_form": forms_.get("tags_form")
        or CustomerTagsForm(initial={"tags": ", ".join(customer.tags or [])}),
        "note_form": forms_.get("note_form") or NoteForm(),
    }


def _profile_with_error(
    request: HttpRequest, customer: Customer, status: int, **forms_: forms.Form
) -> HttpResponse:
    return render(request, _PROFILE, profile_context(request, customer, **forms_), status=status)


@agent_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_customer(request, pk)
    return render(request, _PROFILE, profile_context(request, customer))


@agent_required
@require_POST
def customer_rename(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_customer(request, pk)
    form = CustomerNameForm(request.POST)
    if not form.is_valid():
        return _profile_with_error(request, customer, 400, name_form=form)
    try:
        actions.update_customer(customer=customer, by=actor_of(request), **form.cleaned_data)
    except DomainError as exc:
        add_domain_error(form, exc)
        return _profile_with_error(request, customer, exc.status, name_form=form)
    messages.success(request, _("The customer was saved."))
    return redirect("customers:detail", pk=customer.pk)


@agent_required
@require_POST
def customer_tags(request: HttpRequest, pk: int) -> HttpResponse:
    """Replace the customer's tags; their open conversations are re-checked against the policies."""
    customer = get_customer(request, pk)
    form = CustomerTagsForm(request.POST)
    if not form.is_valid():
        return _profile_with_error(request, customer, 400, tags_form=form)
    try:
        with transaction.atomic():
            actions.update_customer(customer=customer, by=actor_of(request), tags=form.cleaned_data["tags"])
            refresh_customer_targets(customer.pk)
    except DomainError as exc:
        add_domain_error(form, exc)
        return _profile_with_error(request, customer, exc.status, tags_form=form)
    messages.success(request, _("The tags were saved."))
    return redirect("customers:detail", pk=customer.pk)


@agent_required
@require_POST
def identity_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_customer(request, pk)
    form = IdentityForm(request.POST)
    if not form.is_valid():
        return _profile_with_error(request, customer, 400, identity_form=form)
    try:
        identity = actions.add_identity(
            customer=customer,
            kind=form.cleaned_data["kind"],
            value=form.cleaned_data["value"],
            by=actor_of(request),
        )
    except DomainError as exc:
        form.add_error("value", exc.message)
        return _profile_with_error(request, customer, exc.status, identity_form=form)
    messages.success(request, _("%(value)s was added.") % {"value": identity.value})
    return redirect("customers:detail", pk=customer.pk)


@agent_required
@require_POST
def identity_remove(request: HttpRequest, pk: int, identity_id: int) -> HttpResponse:
    customer = get_customer(request, pk)
    identity = get_object_or_404(
        Identity.objects.filter(store=current_store(request), customer=customer), pk=identity_id
    )
    value = identity.value
    actions.remove_identity(identity=identity, by=actor_of(request))
    messages.success(request, _("%(value)s was removed.") % {"value": value})
    return redirect("customers:detail", pk=customer.pk)


@agent_required
@require_POST
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_customer(request, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _profile_with_error(request, customer, 400, note_form=form)
    try:
        actions.add_note(customer=customer, text=form.cleaned_data["text"], by=actor_of(request))
    except DomainError as exc:
        add_domain_error(form, exc)
        return _profile_with_error(request, customer, exc.status, note_form=form)
    messages.success(request, _("The note was added."))
    return redirect("customers:detail", pk=customer.pk)
