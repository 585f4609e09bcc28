from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def workspace(request: HttpRequest) -> dict[str, Any]:
    return {"agent": getattr(request, "agent", None), "store": getattr(request, "store", None)}
