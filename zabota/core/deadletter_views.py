"""Failed tasks page for store administrators: the dead letters, retry and discard.

``core`` may not import the stores app, so the role is read from ``request.agent`` (set by the stores
middleware) like ``core.views.agent_required`` does. Store admins see their store's rows; superusers
also see global ones (tasks with no store) and the workers and periodic jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zabota.core import deadletters
from zabota.core.errors import DomainError, NotFound
from zabota.core.models import DeadLetter, DeadLetterStatus, ScheduledJob, SchedulerLease, WorkerHeartbeat
from zabota.core.scheduler import JOBS
from zabota.core.worker import stale_seconds

View = TypeVar("View", bound=Callable[..., HttpResponse])

_LIST = "core/dead_letters.html"
PAGE_SIZE = 50


def store_admin_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        agent = getattr(request, "agent", None)
        if agent is None or not getattr(agent, "is_admin", False):
            raise HttpPermissionDenied
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _scope(request: HttpRequest) -> dict[str, Any]:
    agent: Any = request.agent  # type: ignore[attr-defined]
    return {"store_id": agent.store_id, "include_global": bool(request.user.is_superuser)}


def _who(request: HttpRequest) -> str:
    agent: Any = request.agent  # type: ignore[attr-defined]
    return str(getattr(agent, "display_name", "") or request.user.get_username())


@store_admin_required
def dead_letter_list(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    deadletters.collect_failed_results(now=timezone.now())
    show = request.GET.get("show", "open")
    letters = DeadLetter.objects.visible_to(**scope).order_by("-last_failed_at", "-id")
    if show != "all":
        show = "open"
        letters = letters.filter(status=DeadLetterStatus.OPEN)
    page = Paginator(letters, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {"page": page, "show": show, "is_superuser": scope["include_global"]}
    if scope["include_global"]:
        now = timezone.now()
        context["workers"] = [
            (w, (now - w.seen_at).total_seconds() <= stale_seconds())
            for w in WorkerHeartbeat.objects.order_by("-seen_at")[:20]
        ]
        context["lease"] = SchedulerLease.objects.filter(expires_at__gt=now).exclude(holder="").first()
        states = {s.name: s for s in ScheduledJob.objects.filter(name__in=list(JOBS))}
        context["jobs"] = [(job, states.get(job.name)) for job in sorted(JOBS.values(), key=lambda j: j.name)]
    return render(request, _LIST, context)


def _act(request: HttpRequest, pk: int, action: Callable[..., DeadLetter], done: str) -> HttpResponse:
    try:
        action(letter_id=pk, by=_who(request), **_scope(request))
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("core:dead_letters")


@store_admin_required
@require_POST
def dead_letter_retry(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, deadletters.retry_dead_letter, _("The task was queued again."))


@store_admin_required
@require_POST
def dead_letter_discard(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, deadletters.discard_dead_letter, _("The failed task was discarded."))
