"""API: an agent's active announcements and acknowledging them; the store's public incidents (no auth)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema

from zabota.announcements import actions
from zabota.announcements.incidents import active_incidents
from zabota.announcements.models import Acknowledgement, Announcement
from zabota.announcements.queries import visible_to
from zabota.core.api import ERRORS, get_or_404
from zabota.core.errors import InvalidInput, NotFound
from zabota.stores.auth import context_of, scoped
from zabota.stores.models import Agent, Scope, Store

router = Router(tags=["announcements"])


class AnnouncementOut(Schema):
    id: int
    title: str
    body: str
    kind: str
    severity: str
    must_read: bool
    is_incident: bool
    public_text: str
    starts_at: datetime
    ends_at: datetime | None
    read_at: datetime | None
    acknowledged_at: datetime | None


class AnnouncementList(Schema):
    items: list[AnnouncementOut]


class ReceiptOut(Schema):
    announcement_id: int
    read_at: datetime | None
    acknowledged_at: datetime | None


class IncidentOut(Schema):
    text: str
    severity: str
    ends_at: datetime | None


class IncidentList(Schema):
    items: list[IncidentOut]


def _agent_of(request: HttpRequest) -> Agent:
    agent = context_of(request).token.agent
    if agent is None:
        raise InvalidInput(
            _("Announcements are per agent: use an agent's personal token."), code="agent_token_required"
        )
    return agent


def _out(announcement: Announcement, receipt: Acknowledgement | None) -> dict[str, Any]:
    return {
        "id": announcement.pk,
        "title": announcement.title,
        "body": announcement.body,
        "kind": announcement.kind,
        "severity": announcement.severity,
        "must_read": announcement.must_read,
        "is_incident": announcement.is_incident,
        "public_text": announcement.public_text,
        "starts_at": announcement.starts_at,
        "ends_at": announcement.ends_at,
        "read_at": receipt.read_at if receipt else None,
        "acknowledged_at": receipt.acknowledged_at if receipt else None,
    }


@router.get(
    "/announcements", response={200: AnnouncementList, **ERRORS}, auth=scoped(Scope.CONVERSATIONS_READ)
)
def list_announcements(request: HttpRequest) -> dict[str, Any]:
    """The active announcements addressed to the token's agent, newest first, with the agent's receipts."""
    agent = _agent_of(request)
    rows = list(visible_to(agent)[:200])
    receipts = {
        r.announcement_id: r
        for r in Acknowledgement.objects.filter(store=agent.store_id, agent=agent, announcement__in=rows)
    }
    return {"items": [_out(a, receipts.get(a.pk)) for a in rows]}


@router.post(
    "/announcements/{id}/acknowledge",
    response={200: ReceiptOut, **ERRORS},
    auth=scoped(Scope.CONVERSATIONS_WRITE),
)
def acknowledge(request: HttpRequest, id: int) -> dict[str, Any]:
    """“I have read it”: idempotent; the first acknowledgement time is kept."""
    announcement = get_or_404(Announcement.objects.for_store(context_of(request).store), id)
    _agent_of(request)
    receipt = actions.acknowledge(announcement=announcement, by=context_of(request).actor)
    return {
        "announcement_id": announcement.pk,
        "read_at": receipt.read_at,
        "acknowledged_at": receipt.acknowledged_at,
    }


@router.get("/public/{store_slug}/incidents", response={200: IncidentList, **ERRORS}, auth=None)
def public_incidents(request: HttpRequest, store_slug: str, response: HttpResponse) -> dict[str, Any]:
    """Active incidents of a store as customers see them (the text for customers only); no token needed."""
    store = Store.objects.filter(slug=store_slug[:60]).only("pk").first()
    if store is None:
        raise NotFound(_("Not found."))
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=60"
    items = [
        {"text": n.public_text, "severity": n.severity, "ends_at": n.ends_at}
        for n in active_incidents(store.pk)
    ]
    return {"items": items}
