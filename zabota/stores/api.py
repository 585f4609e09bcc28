"""API: the token's own context (``/me``) and the store's directory of agents and teams."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from zabota.core.api import ERRORS, Page, PageParams, page_of
from zabota.stores.auth import context_of, scoped
from zabota.stores.models import Agent, Scope, Team

router = Router(tags=["directory"])


class StoreOut(Schema):
    id: int
    name: str
    slug: str
    timezone: str
    locale: str
    currency: str


class AgentOut(Schema):
    id: int
    display_name: str
    role: str
    tier: str
    capacity: int
    is_active: bool
    team_ids: list[int]

    @staticmethod
    def resolve_team_ids(obj: Agent) -> list[int]:
        return sorted(team.pk for team in obj.teams.all())


class TeamOut(Schema):
    id: int
    name: str
    description: str


class MeOut(Schema):
    store: StoreOut
    token_name: str
    token_prefix: str
    scopes: list[str]
    agent: AgentOut | None
    actor_kind: str


@router.get("/me", response={200: MeOut, **ERRORS}, auth=scoped(None))
def me(request: HttpRequest) -> dict[str, Any]:
    """Who the token acts as: an agent (personal token) or an integration (``agent`` is null)."""
    context = context_of(request)
    return {
        "store": context.store,
        "token_name": context.token.name,
        "token_prefix": context.token.prefix,
        "scopes": sorted(context.token.scopes),
        "agent": context.token.agent,
        "actor_kind": context.actor.kind,
    }


@router.get("/agents", response={200: Page[AgentOut], **ERRORS}, auth=scoped(Scope.DIRECTORY_READ))
def list_agents(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    context = context_of(request)
    agents = Agent.objects.for_store(context.store).prefetch_related("teams")
    return page_of(agents, page)


@router.get("/teams", response={200: Page[TeamOut], **ERRORS}, auth=scoped(Scope.DIRECTORY_READ))
def list_teams(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    context = context_of(request)
    return page_of(Team.objects.for_store(context.store), page)
