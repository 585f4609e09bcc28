"""Conversation scripts (talk tracks): leads and administrators manage them; agents read them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from zabota.conversations import actions
from zabota.conversations.models import Script
from zabota.conversations.views_manage.forms import ScriptForm, steps_from_post
from zabota.core.errors import DomainError
from zabota.stores.permissions import Perm
from zabota.stores.views.common import (
    actor_of,
    agent_required,
    can,
    current_store,
    render_form_error,
    require_perm,
)

_LIST = "conversations/manage/scripts.html"
_FORM = "conversations/manage/script_form.html"


@agent_required
def script_list(request: HttpRequest) -> HttpResponse:
    scripts = Script.objects.for_store(current_store(request)).prefetch_related("steps")
    return render(request, _LIST, {"scripts": scripts, "may_manage": can(request, Perm.MANAGE_SCRIPTS)})


def _save(request: HttpRequest, script: Script | None) -> HttpResponse:
    store = current_store(request)
    if request.method != "POST":
        if script is None:
            form = ScriptForm()
            steps: list[tuple[str, str]] = [("", "")]
        else:
            form = ScriptForm(
                initial={
                    "name": script.name,
                    "category": script.category,
                    "channel": script.channel,
                    "is_active": script.is_active,
                }
            )
            steps = [(s.title, s.text) for s in script.steps.all()]
        return render(request, _FORM, {"editing": script, "form": form, "steps": steps})
    form = ScriptForm(request.POST)
    steps = steps_from_post(request.POST)
    context: dict[str, Any] = {"editing": script, "steps": steps or [("", "")]}
    if not form.is_valid():
        return render(request, _FORM, {**context, "form": form}, status=400)
    try:
        saved = actions.save_script(
            store=store,
            by=actor_of(request),
            name=form.cleaned_data["name"],
            category=form.cleaned_data["category"],
            channel=form.cleaned_data["channel"],
            steps=steps,
            is_active=form.cleaned_data["is_active"],
            script=script,
        )
    except DomainError as exc:
        if script is not None:
            script.refresh_from_db()
        return render_form_error(request, _FORM, context, form, exc)
    messages.success(request, _("The script “%(name)s” was saved.") % {"name": saved.name})
    return redirect("manage:scripts")


@agent_required
@require_http_methods(["GET", "POST"])
def script_create(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_SCRIPTS)
    return _save(request, None)


@agent_required
@require_http_methods(["GET", "POST"])
def script_edit(request: HttpRequest, pk: int) -> HttpResponse:
    script = get_object_or_404(Script.objects.for_store(current_store(request)), pk=pk)
    require_perm(request, Perm.MANAGE_SCRIPTS)
    return _save(request, script)


@agent_required
@require_POST
def script_delete(request: HttpRequest, pk: int) -> HttpResponse:
    script = get_object_or_404(Script.objects.for_store(current_store(request)), pk=pk)
    require_perm(request, Perm.MANAGE_SCRIPTS)
    name = script.name
    actions.delete_script(script=script, by=actor_of(request))
    messages.success(request, _("The script “%(name)s” was deleted.") % {"name": name})
    return redirect("manage:scripts")
