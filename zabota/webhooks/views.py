"""Webhook subscriptions for administrators: create, edit, deactivate, delete, and the delivery log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from zabota.core.errors import DomainError
from zabota.stores.permissions import Perm
from zabota.stores.views.common import (
    actor_of,
    agent_required,
    current_store,
    invalid_form,
    render_form_error,
    require_perm,
)
from zabota.webhooks import actions
from zabota.webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from zabota.webhooks.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER

_LIST = "webhooks/list.html"
_FORM = "webhooks/form.html"
_CREATED = "webhooks/created.html"
_DELIVERIES = "webhooks/deliveries.html"


class SubscriptionForm(forms.Form):
    url = forms.URLField(label=gettext_lazy("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)


def _subscriptions(request: HttpRequest) -> Any:
    return WebhookSubscription.objects.for_store(current_store(request))


@agent_required
def subscription_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_WEBHOOKS)
    subscriptions = _subscriptions(request).annotate(delivery_count=Count("deliveries"))
    return render(request, _LIST, {"subscriptions": subscriptions})


@agent_required
@require_http_methods(["GET", "POST"])
def subscription_create(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_WEBHOOKS)
    context: dict[str, Any] = {"editing": None}
    if request.method != "POST":
        return render(request, _FORM, {**context, "form": SubscriptionForm()})
    form = SubscriptionForm(request.POST)
    if not form.is_valid():
        return invalid_form(request, _FORM, {**context, "form": form})
    try:
        subscription = actions.create_subscription(
            store=current_store(request),
            by=actor_of(request),
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            description=form.cleaned_data["description"],
        )
    except DomainError as exc:
        return render_form_error(request, _FORM, context, form, exc)
    # The secret is shown on this response only, with how a receiver checks it.
    return render(
        request,
        _CREATED,
        {
            "subscription": subscription,
            "signature_header": SIGNATURE_HEADER,
            "timestamp_header": TIMESTAMP_HEADER,
        },
        status=201,
    )


@agent_required
@require_http_methods(["GET", "POST"])
def subscription_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, Perm.MANAGE_WEBHOOKS)
    subscription = get_object_or_404(_subscriptions(request), pk=pk)
    context: dict[str, Any] = {"editing": subscription}
    if request.method != "POST":
        form = SubscriptionForm(
            initial={
                "url": subscription.url,
                "events": subscription.events,
                "description": subscription.description,
            }
        )
        return render(request, _FORM, {**context, "form": form})
    form = SubscriptionForm(request.POST)
    if not form.is_valid():
        return invalid_form(request, _FORM, {**context, "form": form})
    try:
        actions.update_subscription(
            subscription=subscription,
            by=actor_of(request),
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            description=form.cleaned_data["description"],
        )
    except DomainError as exc:
        subscription.refresh_from_db()
        return render_form_error(request, _FORM, context, form, exc)
    messages.success(request, _("The webhook was saved."))
    return redirect("webhooks:list")


@agent_required
@require_POST
def subscription_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, Perm.MANAGE_WEBHOOKS)
    subscription = get_object_or_404(_subscriptions(request), pk=pk)
    active = request.POST.get("active") == "1"
    try:
        actions.update_subscription(subscription=subscription, by=actor_of(request), is_active=active)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("webhooks:list")
    if active:
        messages.success(request, _("The webhook was activated."))
    else:
        messages.success(request, _("The webhook was deactivated."))
    return redirect("webhooks:list")


@agent_required
@require_POST
def subscription_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, Perm.MANAGE_WEBHOOKS)
    subscription = get_object_or_404(_subscriptions(request), pk=pk)
    actions.delete_subscription(subscription=subscription, by=actor_of(request))
    messages.success(request, _("The webhook was deleted."))
    return redirect("webhooks:list")


@agent_required
def delivery_log(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, Perm.MANAGE_WEBHOOKS)
    subscription = get_object_or_404(_subscriptions(request), pk=pk)
    deliveries = WebhookDelivery.objects.for_store(current_store(request)).filter(subscription=subscription)
    page = Paginator(deliveries.defer("payload"), 50).get_page(request.GET.get("page"))
    return render(request, _DELIVERIES, {"subscription": subscription, "page": page})


@agent_required
@require_POST
def delivery_retry(request: HttpRequest, pk: int, delivery_id: int) -> HttpResponse:
    require_perm(request, Perm.MANAGE_WEBHOOKS)
    store = current_store(request)
    subscription = get_object_or_404(_subscriptions(request), pk=pk)
    get_object_or_404(WebhookDelivery.objects.for_store(store), pk=delivery_id, subscription=subscription)
    actions.redeliver(store=store, delivery_id=delivery_id, by=actor_of(request))
    messages.success(request, _("The delivery was queued again."))
    return redirect("webhooks:deliveries", pk=subscription.pk)
