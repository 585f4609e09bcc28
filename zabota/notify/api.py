"""API: the token's agent's own notifications. Integration tokens (no agent) have none and get 403.

Scopes: reading needs ``conversations:read`` and marking read ``conversations:write`` (notifications are about
the agent's conversation work; a dedicated scope can come with the next stores change).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from zabota.core.api import ERRORS, Page, PageParams, check_id, get_or_404, page_of
from zabota.core.errors import PermissionDenied
from zabota.notify import actions
from zabota.notify.models import Notification
from zabota.stores.auth import ApiContext, context_of, scoped
from zabota.stores.models import Agent, Scope

router = Router(tags=["notifications"])
READ = Scope.CONVERSATIONS_READ
WRITE = Scope.CONVERSATIONS_WRITE


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    severity: str
    payload: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class ReadAllOut(Schema):
    marked: int


def _agent(context: ApiContext) -> Agent:
    agent = context.actor.agent
    if agent is None:
        raise PermissionDenied(
            _("Notifications belong to an agent: use an agent's personal API token."),
            code="agent_token_required",
        )
    return agent


@router.get("/notifications", response={200: Page[NotificationOut], **ERRORS}, auth=scoped(READ))
def list_notifications(request: HttpRequest, page: Query[PageParams], unread: bool = False) -> dict[str, Any]:
    """The agent's notifications, newest first; ``?unread=true`` for the unread ones only."""
    queryset = Notification.objects.for_agent(_agent(context_of(request)))
    if unread:
        queryset = queryset.unread()
    return page_of(queryset, page)


@router.post("/notifications/read", response={200: ReadAllOut, **ERRORS}, auth=scoped(WRITE))
def mark_all_read(request: HttpRequest) -> dict[str, int]:
    context = context_of(request)
    return {"marked": actions.mark_all_read(agent=_agent(context), by=context.actor)}


@router.post("/notifications/{id}/read", response={200: NotificationOut, **ERRORS}, auth=scoped(WRITE))
def mark_read(request: HttpRequest, id: int) -> Notification:
    context = context_of(request)
    # Another store's id is not found whoever asks; an own-store id needs an agent, and only its own.
    get_or_404(Notification.objects.for_store(context.store), id)
    agent = _agent(context)
    return actions.mark_read(agent=agent, notification_id=check_id(id), by=context.actor)
