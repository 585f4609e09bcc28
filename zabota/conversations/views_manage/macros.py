"""Macros: leads and administrators manage them; every agent can read them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from zabota.conversations import actions
from zabota.conversations.models import Category, Macro, Priority, Status
from zabota.conversations.views_manage.forms import PLACEHOLDERS, MacroForm
from zabota.core.errors import DomainError
from zabota.stores.models import Agent
from zabota.stores.permissions import Perm
from zabota.stores.views.common import (
    actor_of,
    agent_required,
    can,
    current_store,
    invalid_form,
    render_form_error,
    require_perm,
)

_LIST = "conversations/manage/macros.html"
_FORM = "conversations/manage/macro_form.html"


@agent_required
def macro_list(request: HttpRequest) -> HttpResponse:
    store = current_store(request)
    macros = list(Macro.objects.for_store(store).order_by("-is_active", "name"))
    agent_names = dict(Agent.objects.for_store(store).values_list("pk", "display_name"))
    for macro in macros:
        assign = (macro.actions or {}).get("assign")
        label = _("the agent who applies it") if assign == "me" else ""
        if isinstance(assign, int):
            label = agent_names.get(assign, "")
        macro.assign_label = label  # type: ignore[attr-defined]
        macro.action_labels = _action_labels(macro.actions or {})  # type: ignore[attr-defined]
    return render(
        request,
        _LIST,
        {"macros": macros, "may_manage": can(request, Perm.MANAGE_MACROS), "placeholders": PLACEHOLDERS},
    )


def _action_labels(acts: dict[str, Any]) -> dict[str, str]:
    """Translated labels of the stored choice values, so the list does not show raw codes."""
    labels = {}
    for key, choices in (("set_status", Status), ("set_priority", Priority), ("set_category", Category)):
        value = acts.get(key)
        if value:
            labels[key] = str(choices(value).label) if value in choices.values else str(value)
    return labels


def _save(request: HttpRequest, macro: Macro | None) -> HttpResponse:
    store = current_store(request)
    context: dict[str, Any] = {"editing": macro, "placeholders": PLACEHOLDERS}
    if request.method != "POST":
        initial = MacroForm.initial_for(macro) if macro is not None else None
        return render(request, _FORM, {**context, "form": MacroForm(store=store, initial=initial)})
    form = MacroForm(request.POST, store=store)
    if not form.is_valid():
        return invalid_form(request, _FORM, {**context, "form": form})
    try:
        saved = actions.save_macro(
            store=store,
            by=actor_of(request),
            name=form.cleaned_data["name"],
            text=form.cleaned_data["text"],
            actions=form.macro_actions(),
            is_active=form.cleaned_data["is_active"],
            macro=macro,
        )
    except DomainError as exc:
        if macro is not None:
            macro.refresh_from_db()
        return render_form_error(request, _FORM, context, form, exc)
    messages.success(request, _("The macro “%(name)s” was saved.") % {"name": saved.name})
    return redirect("manage:macros")


@agent_required
@require_http_methods(["GET", "POST"])
def macro_create(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_MACROS)
    return _save(request, None)


@agent_required
@require_http_methods(["GET", "POST"])
def macro_edit(request: HttpRequest, pk: int) -> HttpResponse:
    macro = get_object_or_404(Macro.objects.for_store(current_store(request)), pk=pk)
    require_perm(request, Perm.MANAGE_MACROS)
    return _save(request, macro)


@agent_required
@require_POST
def macro_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    macro = get_object_or_404(Macro.objects.for_store(current_store(request)), pk=pk)
    require_perm(request, Perm.MANAGE_MACROS)
    active = request.POST.get("active") == "1"
    try:
        actions.save_macro(
            store=macro.store,
            by=actor_of(request),
            name=macro.name,
            text=macro.text,
            actions=macro.actions,
            is_active=active,
            macro=macro,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("manage:macros")
    if active:
        messages.success(request, _("The macro “%(name)s” was activated.") % {"name": macro.name})
    else:
        messages.success(request, _("The macro “%(name)s” was deactivated.") % {"name": macro.name})
    return redirect("manage:macros")


@agent_required
@require_POST
def macro_delete(request: HttpRequest, pk: int) -> HttpResponse:
    macro = get_object_or_404(Macro.objects.for_store(current_store(request)), pk=pk)
    require_perm(request, Perm.MANAGE_MACROS)
    name = macro.name
    actions.delete_macro(macro=macro, by=actor_of(request))
    messages.success(request, _("The macro “%(name)s” was deleted.") % {"name": name})
    return redirect("manage:macros")
