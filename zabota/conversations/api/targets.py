"""API: the service-target deadlines of a conversation."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from zabota.conversations.models import Conversation, Deadline
from zabota.core.api import ERRORS, get_or_404
from zabota.stores.auth import context_of, scoped
from zabota.stores.models import Scope

router = Router(tags=["conversations"])


class DeadlineOut(Schema):
    kind: str
    seq: int
    state: str
    policy_id: int | None
    policy_name: str
    target_minutes: int
    business_time: bool
    started_at: datetime
    due_at: datetime | None
    warn_at: datetime | None
    remaining_minutes: int | None
    warned_at: datetime | None
    breached_at: datetime | None
    met_at: datetime | None


@router.get(
    "/conversations/{id}/targets",
    response={200: list[DeadlineOut], **ERRORS},
    auth=scoped(Scope.CONVERSATIONS_READ),
)
def list_targets(request: HttpRequest, id: int) -> list[Deadline]:
    """Every target cycle (running, paused, breached and met), soonest due first."""
    store = context_of(request).store
    conversation = get_or_404(Conversation.objects.filter(store=store), id)
    return list(Deadline.objects.for_store(store).filter(conversation=conversation).order_by("kind", "seq"))
