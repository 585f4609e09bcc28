"""Helpers every workspace view uses: the signed-in agent, its actor, and domain errors on forms.

They live in the lowest app with views so that every higher app's pages can share them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zabota.core.errors import DomainError
from zabota.stores.actors import Actor
from zabota.stores.models import Agent, Store
from zabota.stores.permissions import Perm, has_perm

View = TypeVar("View", bound=Callable[..., HttpResponse])


def agent_required(view: View) -> View:
    """Send anonymous users to the login page; a user without a store membership gets 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if getattr(request, "agent", None) is None:
            raise HttpPermissionDenied
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def current_agent(request: HttpRequest) -> Agent:
    agent: Agent = request.agent  # type: ignore[attr-defined]
    return agent


def current_store(request: HttpRequest) -> Store:
    store: Store = request.store  # type: ignore[attr-defined]
    return store


def actor_of(request: HttpRequest) -> Actor:
    return Actor.of_agent(current_agent(request))


def can(request: HttpRequest, perm: Perm) -> bool:
    return has_perm(actor_of(request), perm)


def require_perm(request: HttpRequest, perm: Perm) -> None:
    """Refuse the page itself (not only the write) to roles that may not use it."""
    if not can(request, perm):
        raise HttpPermissionDenied


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Show an action's error next to the field it names, or above the form."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def render_form_error(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    form: forms.Form,
    exc: DomainError,
) -> HttpResponse:
    """Re-render a form with the action's error and the error's HTTP status (400, 403, 409…)."""
    add_domain_error(form, exc)
    return render(request, template, {**context, "form": form}, status=exc.status)


def invalid_form(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """A form that did not parse is the client's mistake: 400 with the errors shown."""
    return render(request, template, context, status=400)
