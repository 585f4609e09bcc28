"""Bearer-token authentication with per-endpoint scopes for the REST API.

Each operation declares ``auth=scoped(Scope.X)``: no or an unknown token gives 401, a valid token
without the scope 403 ``insufficient_scope``. The result, ``request.auth``, is an ``ApiContext``:
the store every query is scoped to and the actor every action runs as.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from zabota.core.errors import PermissionDenied
from zabota.stores.actors import Actor
from zabota.stores.models import ApiToken, Store, hash_token

TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class ApiContext:
    store: Store
    token: ApiToken
    actor: Actor


def _touch(token: ApiToken) -> None:
    """Record use at most once a minute, so that reads do not turn into a write per request."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOUCH_EVERY)
    ).update(last_used_at=now)
    token.last_used_at = now


def authenticate_token(raw: str) -> ApiContext | None:
    if not raw or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.usable().select_related("store", "agent").filter(token_hash=hash_token(raw)).first()
    )
    if token is None or (token.agent is not None and not token.agent.is_active):
        return None
    _touch(token)
    return ApiContext(store=token.store, token=token, actor=Actor.of_token(token))


class ScopedTokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` plus one required scope (``None``: any valid token)."""

    def __init__(self, scope: str | None) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiContext | None:
        cached: Any = getattr(request, "_zabota_api_context", None)
        context = cached if isinstance(cached, ApiContext) else authenticate_token(token.strip())
        if context is None:
            return None
        request._zabota_api_context = context  # type: ignore[attr-defined]
        if self.scope is not None and not context.token.has_scope(self.scope):
            raise PermissionDenied(
                _("The token lacks the “%(scope)s” scope.") % {"scope": self.scope},
                code="insufficient_scope",
            )
        return context


def scoped(scope: str | None) -> ScopedTokenAuth:
    return ScopedTokenAuth(scope)


def context_of(request: HttpRequest) -> ApiContext:
    """The authenticated context of an API request (set by ``ScopedTokenAuth``)."""
    context = getattr(request, "auth", None)
    if not isinstance(context, ApiContext):  # pragma: no cover - every operation declares auth
        raise PermissionDenied(_("Not authenticated."), code="unauthorized")
    return context
