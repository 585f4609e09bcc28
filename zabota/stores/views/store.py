"""The store's profile (administrators edit it) and each agent's own profile."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from zabota.core.errors import DomainError
from zabota.stores import actions
from zabota.stores.permissions import Perm
from zabota.stores.views.common import (
    actor_of,
    agent_required,
    can,
    current_agent,
    current_store,
    invalid_form,
    render_form_error,
)
from zabota.stores.views.forms import ProfileForm, StoreForm

_SETTINGS = "stores/settings.html"
_PROFILE = "stores/profile.html"


@agent_required
@require_http_methods(["GET", "POST"])
def store_settings(request: HttpRequest) -> HttpResponse:
    store = current_store(request)
    may_edit = can(request, Perm.MANAGE_STORE)
    initial = {
        "name": store.name,
        "timezone": store.timezone,
        "locale": store.locale,
        "currency": store.currency,
        "reopen_window_days": store.reopen_window_days,
    }
    context = {
        "may_edit": may_edit,
        "may_manage_team": can(request, Perm.MANAGE_TEAM),
        "may_manage_webhooks": can(request, Perm.MANAGE_WEBHOOKS),
    }
    if request.method != "POST":
        return render(request, _SETTINGS, {**context, "form": StoreForm(initial=initial)})
    form = StoreForm(request.POST)
    if not may_edit:
        return render(request, _SETTINGS, {**context, "form": StoreForm(initial=initial)}, status=403)
    if not form.is_valid():
        return invalid_form(request, _SETTINGS, {**context, "form": form})
    data = form.cleaned_data
    try:
        actions.update_store(
            store=store,
            by=actor_of(request),
            name=data["name"],
            timezone_name=data["timezone"],
            locale=data["locale"],
            currency=data["currency"],
            reopen_window_days=data["reopen_window_days"],
        )
    except DomainError as exc:
        store.refresh_from_db()
        return render_form_error(request, _SETTINGS, context, form, exc)
    messages.success(request, _("Store settings saved."))
    return redirect("stores:settings")


@agent_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    agent = current_agent(request)
    if request.method != "POST":
        form = ProfileForm(initial={"display_name": agent.display_name, "signature": agent.signature})
        return render(request, _PROFILE, {"form": form})
    form = ProfileForm(request.POST)
    if not form.is_valid():
        return invalid_form(request, _PROFILE, {"form": form})
    try:
        actions.update_agent(
            agent=agent,
            by=actor_of(request),
            display_name=form.cleaned_data["display_name"],
            signature=form.cleaned_data["signature"],
        )
    except DomainError as exc:
        return render_form_error(request, _PROFILE, {}, form, exc)
    messages.success(request, _("Your profile was saved."))
    return redirect("stores:profile")
