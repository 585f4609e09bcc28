"""The presence switch in the top bar: online, away, offline."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from zabota.core.errors import DomainError
from zabota.stores.presence import set_presence
from zabota.stores.views.common import actor_of, agent_required, current_agent

PRESENCE_CONTROL = "stores/_presence.html"


@agent_required
@require_POST
def presence(request: HttpRequest) -> HttpResponse:
    agent = current_agent(request)
    try:
        set_presence(agent=agent, presence=str(request.POST.get("presence", "")), by=actor_of(request))
    except DomainError as exc:
        return HttpResponse(exc.message, status=exc.status)
    if not request.htmx:  # type: ignore[attr-defined]
        target = str(request.POST.get("next", ""))
        safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        return redirect(target if target and safe else "inbox")
    return render(request, PRESENCE_CONTROL, {"agent": agent})
