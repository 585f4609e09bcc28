"""Attach the signed-in user's agent membership (and so the current store) to the request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from zabota.stores.models import Agent
from zabota.stores.presence import heartbeat

SESSION_STORE_KEY = "zabota_store_id"
#: Sent by pages that refresh themselves on a timer: such a request is not a sign the agent is there.
POLL_HEADER = "X-Zabota-Poll"


def current_agent(request: HttpRequest) -> Agent | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    memberships = Agent.objects.select_related("store").filter(user=user, is_active=True)
    store_id = request.session.get(SESSION_STORE_KEY)
    if store_id is not None:
        chosen = memberships.filter(store_id=store_id).first()
        if chosen is not None:
            return chosen
    return memberships.order_by("store_id").first()


class CurrentAgentMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        agent = current_agent(request)
        request.agent = agent  # type: ignore[attr-defined]
        request.store = agent.store if agent is not None else None  # type: ignore[attr-defined]
        if agent is not None and POLL_HEADER not in request.headers:
            heartbeat(agent=agent)
        return self.get_response(request)
