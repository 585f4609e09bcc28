"""Routing, presence and queue-alert settings of the store (administrators only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from zabota.core.errors import DomainError
from zabota.stores.options import (
    MODE_LEAST_LOADED,
    MODE_MANUAL,
    MODE_ROUND_ROBIN,
    PresenceOptions,
    QueueAlertOptions,
    RoutingOptions,
    presence_options,
    queue_alert_options,
    routing_options,
    update_routing_settings,
)
from zabota.stores.permissions import Perm
from zabota.stores.views.common import (
    actor_of,
    agent_required,
    current_store,
    invalid_form,
    render_form_error,
    require_perm,
)

_TEMPLATE = "stores/routing.html"


class RoutingForm(forms.Form):
    """Parses only; ranges are the action's to check, so the UI and any other caller get the same errors."""

    mode = forms.ChoiceField(
        label=gettext_lazy("Routing mode"),
        choices=[
            (MODE_LEAST_LOADED, gettext_lazy("Least loaded: the online agent with the most free capacity")),
            (MODE_ROUND_ROBIN, gettext_lazy("Round robin: online agents in turn")),
            (MODE_MANUAL, gettext_lazy("Manual: nobody is assigned automatically")),
        ],
        widget=forms.RadioSelect,
    )
    sticky_owner = forms.BooleanField(
        label=gettext_lazy("A returning customer goes to the agent of their last conversation when online"),
        required=False,
    )
    l1_first = forms.BooleanField(
        label=gettext_lazy("L1 first: L2 agents get L1 conversations only when no L1 agent has room"),
        required=False,
    )
    away_after_minutes = forms.IntegerField(label=gettext_lazy("Away after, minutes"))
    offline_after_minutes = forms.IntegerField(label=gettext_lazy("Offline after, minutes"))
    unassigned_minutes = forms.IntegerField(label=gettext_lazy("Unassigned for, minutes"))
    chat_wait_seconds = forms.IntegerField(label=gettext_lazy("Chat waiting, seconds"))
    chat_escalate_seconds = forms.IntegerField(label=gettext_lazy("Chat waiting before escalation, seconds"))
    max_transfers = forms.IntegerField(label=gettext_lazy("Transfers above"))

    ROUTING = ("mode", "sticky_owner", "l1_first")
    PRESENCE = ("away_after_minutes", "offline_after_minutes")
    QUEUE_ALERTS = ("unassigned_minutes", "chat_wait_seconds", "chat_escalate_seconds", "max_transfers")

    def section(self, names: tuple[str, ...]) -> list[forms.BoundField]:
        return [self[name] for name in names]

    def routing_fields(self) -> list[forms.BoundField]:
        return self.section(self.ROUTING)

    def presence_fields(self) -> list[forms.BoundField]:
        return self.section(self.PRESENCE)

    def queue_alert_fields(self) -> list[forms.BoundField]:
        return self.section(self.QUEUE_ALERTS)


@agent_required
@require_http_methods(["GET", "POST"])
def routing_settings(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_STORE)
    store = current_store(request)
    context: dict[str, Any] = {}
    if request.method != "POST":
        initial = {
            **vars(routing_options(store)),
            **vars(presence_options(store)),
            **vars(queue_alert_options(store)),
        }
        return render(request, _TEMPLATE, {"form": RoutingForm(initial=initial)})
    form = RoutingForm(request.POST)
    if not form.is_valid():
        return invalid_form(request, _TEMPLATE, {"form": form})
    data = form.cleaned_data
    try:
        update_routing_settings(
            store=store,
            by=actor_of(request),
            routing=RoutingOptions(**{k: data[k] for k in RoutingForm.ROUTING}),
            presence=PresenceOptions(**{k: data[k] for k in RoutingForm.PRESENCE}),
            queue_alerts=QueueAlertOptions(**{k: data[k] for k in RoutingForm.QUEUE_ALERTS}),
        )
    except DomainError as exc:
        return render_form_error(request, _TEMPLATE, context, form, exc)
    messages.success(request, _("Routing settings saved."))
    return redirect("stores:routing")
