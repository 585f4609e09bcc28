"""The API's own route list, read from the URL patterns it serves (so new endpoints are covered)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from config.api import api


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # "/conversations/{id}"
    scope: str | None
    has_auth: bool

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _path_view(view):
    for cell in getattr(view, "__closure__", None) or ():
        if hasattr(cell.cell_contents, "operations"):
            return cell.cell_contents
    return None


def api_routes() -> list[Route]:
    routes: dict[tuple[str, str], Route] = {}
    for pattern in api.urls[0]:
        path_view = _path_view(pattern.callback)
        if path_view is None:  # the OpenAPI schema and the docs page
            continue
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        for operation in path_view.operations:
            auth = list(operation.auth_callbacks)
            for method in operation.methods:
                routes[(method, path)] = Route(
                    method=method,
                    path=path,
                    scope=getattr(auth[0], "scope", None) if auth else None,
                    has_auth=bool(auth),
                )
    return sorted(routes.values(), key=lambda r: (r.path, r.method))
