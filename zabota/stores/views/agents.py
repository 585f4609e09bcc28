"""Agents and teams of the store: administrators add, edit and deactivate them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from zabota.core.errors import DomainError
from zabota.stores import actions
from zabota.stores.models import Agent, Team
from zabota.stores.permissions import Perm
from zabota.stores.views.common import (
    actor_of,
    agent_required,
    current_store,
    invalid_form,
    render_form_error,
    require_perm,
)
from zabota.stores.views.forms import AgentCreateForm, AgentEditForm, TeamForm

_AGENTS = "stores/agents.html"
_AGENT_FORM = "stores/agent_form.html"
_TEAMS = "stores/teams.html"


@agent_required
def agent_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_TEAM)
    agents = (
        Agent.objects.for_store(current_store(request))
        .select_related("user")
        .prefetch_related("teams")
        .order_by("-is_active", "display_name")
    )
    return render(request, _AGENTS, {"agents": agents})


@agent_required
@require_http_methods(["GET", "POST"])
def agent_create(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_TEAM)
    store = current_store(request)
    context: dict[str, Any] = {"editing": None}
    if request.method != "POST":
        return render(request, _AGENT_FORM, {**context, "form": AgentCreateForm(store=store)})
    form = AgentCreateForm(request.POST, store=store)
    if not form.is_valid():
        return invalid_form(request, _AGENT_FORM, {**context, "form": form})
    data = form.cleaned_data
    try:
        agent = actions.create_agent(
            store=store,
            by=actor_of(request),
            username=data["username"],
            password=data["password"],
            display_name=data["display_name"],
            email=data["email"],
            role=data["role"],
            tier=data["tier"],
            teams=list(data["teams"]),
            capacity=data["capacity"],
        )
    except DomainError as exc:
        return render_form_error(request, _AGENT_FORM, context, form, exc)
    messages.success(request, _("%(name)s was added.") % {"name": agent.display_name})
    return redirect("stores:agents")


@agent_required
@require_http_methods(["GET", "POST"])
def agent_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, Perm.MANAGE_TEAM)
    store = current_store(request)
    agent = get_object_or_404(Agent.objects.for_store(store).select_related("user"), pk=pk)
    context: dict[str, Any] = {"editing": agent}
    if request.method != "POST":
        form = AgentEditForm(
            store=store,
            initial={
                "display_name": agent.display_name,
                "role": agent.role,
                "tier": agent.tier,
                "teams": list(agent.teams.all()),
                "capacity": agent.capacity,
                "skills": agent.skills,
                **{f"capacity_{channel}": value for channel, value in agent.channel_capacity.items()},
            },
        )
        return render(request, _AGENT_FORM, {**context, "form": form})
    form = AgentEditForm(request.POST, store=store)
    if not form.is_valid():
        return invalid_form(request, _AGENT_FORM, {**context, "form": form})
    data = form.cleaned_data
    try:
        actions.update_agent(
            agent=agent,
            by=actor_of(request),
            display_name=data["display_name"],
            role=data["role"],
            tier=data["tier"],
            teams=list(data["teams"]),
            capacity=data["capacity"],
            skills=data["skills"],
            channel_capacity=form.channel_capacity(),
        )
    except DomainError as exc:
        return render_form_error(request, _AGENT_FORM, context, form, exc)
    messages.success(request, _("%(name)s was saved.") % {"name": agent.display_name})
    return redirect("stores:agents")


@agent_required
@require_POST
def agent_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate (or reactivate) a membership; the person keeps their history but cannot sign in here."""
    require_perm(request, Perm.MANAGE_TEAM)
    agent = get_object_or_404(Agent.objects.for_store(current_store(request)), pk=pk)
    active = request.POST.get("active") == "1"
    if agent.pk == actor_of(request).agent_id and not active:
        messages.error(request, _("You cannot deactivate yourself."))
        return redirect("stores:agents")
    actions.update_agent(agent=agent, by=actor_of(request), is_active=active)
    if active:
        messages.success(request, _("%(name)s was reactivated.") % {"name": agent.display_name})
    else:
        messages.success(request, _("%(name)s was deactivated.") % {"name": agent.display_name})
    return redirect("stores:agents")


@agent_required
@require_http_methods(["GET", "POST"])
def team_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_TEAM)
    store = current_store(request)
    teams = Team.objects.for_store(store).annotate(
        active_agents=Count("agents", filter=Q(agents__is_active=True))
    )
    context: dict[str, Any] = {"teams": teams}
    if request.method != "POST":
        return render(request, _TEAMS, {**context, "form": TeamForm()})
    form = TeamForm(request.POST)
    if not form.is_valid():
        return invalid_form(request, _TEAMS, {**context, "form": form})
    try:
        team = actions.create_team(
            store=store,
            by=actor_of(request),
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
        )
    except DomainError as exc:
        return render_form_error(request, _TEAMS, context, form, exc)
    messages.success(request, _("Team %(name)s was created.") % {"name": team.name})
    return redirect("stores:teams")
