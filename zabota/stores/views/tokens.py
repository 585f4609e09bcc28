"""API tokens: administrators manage every token; agents see and manage only their own."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from zabota.core.errors import DomainError
from zabota.stores import actions
from zabota.stores.models import Agent, ApiToken, ApiTokenQuerySet
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
from zabota.stores.views.forms import TokenForm

_TOKENS = "stores/tokens.html"


def _visible_tokens(request: HttpRequest) -> ApiTokenQuerySet:
    tokens = ApiToken.objects.for_store(current_store(request)).select_related("agent")
    if not can(request, Perm.MANAGE_TOKENS):
        tokens = tokens.filter(agent=current_agent(request))
    return tokens.order_by("revoked_at", "-created_at")


def _agent_choices(request: HttpRequest) -> list[tuple[int, str]] | None:
    if not can(request, Perm.MANAGE_TOKENS):
        return None
    return list(Agent.objects.for_store(current_store(request)).active().values_list("pk", "display_name"))


@agent_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    agents = _agent_choices(request)
    context: dict[str, Any] = {"may_manage": agents is not None}
    if request.method != "POST":
        return render(
            request,
            _TOKENS,
            {**context, "tokens": _visible_tokens(request), "form": TokenForm(agents=agents)},
        )
    form = TokenForm(request.POST, agents=agents)
    context["tokens"] = _visible_tokens(request)
    if not form.is_valid():
        return invalid_form(request, _TOKENS, {**context, "form": form})
    store = current_store(request)
    if agents is None:
        owner: Agent | None = current_agent(request)
    elif form.cleaned_data.get("agent"):
        owner = get_object_or_404(Agent.objects.for_store(store), pk=form.cleaned_data["agent"])
    else:
        owner = None
    try:
        token, raw = actions.create_token(
            store=store,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            by=actor_of(request),
            agent=owner,
        )
    except DomainError as exc:
        return render_form_error(request, _TOKENS, context, form, exc)
    # The raw value is shown in this response only; the database keeps its hash.
    return render(
        request,
        _TOKENS,
        {
            **context,
            "tokens": _visible_tokens(request),
            "form": TokenForm(agents=agents),
            "new_token": token,
            "new_token_raw": raw,
        },
        status=201,
    )


@agent_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(_visible_tokens(request), pk=pk)
    try:
        actions.revoke_token(token=token, by=actor_of(request))
    except DomainError as exc:
        return HttpResponse(exc.message, status=exc.status)
    messages.success(request, _("The token %(name)s was revoked.") % {"name": token.name})
    return redirect("stores:tokens")
