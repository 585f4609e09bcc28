"""Helpers for workspace views: who may open a page, and how a domain error reaches the agent.

They live in ``core`` so every app's views can use them; they only read ``request.agent``
(set by the stores middleware) and never import a higher app.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from zabota.core.errors import DomainError

View = TypeVar("View", bound=Callable[..., HttpResponse])

ERROR_TEMPLATE = "core/_error.html"
FLASH_TARGET = "#flash"


def error_response(request: HttpRequest, message: str, *, status: int = 400) -> HttpResponse:
    """A small error fragment with a 4xx status; htmx is told to show it in the page's flash area.

    The retarget headers matter because the form that failed may target another element
    (a textarea, the inbox list); the error must never replace that element.
    """
    html = render_to_string(ERROR_TEMPLATE, {"message": message, "status": status}, request=request)
    response = HttpResponse(html, status=status)
    response["HX-Retarget"] = FLASH_TARGET
    response["HX-Reswap"] = "innerHTML"
    return response


def agent_required(view: View) -> View:
    """Anonymous users go to the login page; users without an agent membership get a 403.

    A ``DomainError`` raised by the view becomes an inline error fragment with the error's
    4xx status, so bad input never turns into a 500.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if getattr(request, "agent", None) is None:
            return error_response(request, _("You have no access to a store workspace."), status=403)
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return error_response(request, exc.message, status=exc.status)

    return wrapper  # type: ignore[return-value]
