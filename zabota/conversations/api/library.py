"""API: the store's tags, macros and conversation scripts (read-only; managed in the workspace)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from zabota.conversations.models import Macro, Script, ScriptStep, Tag
from zabota.core.api import ERRORS, Page, PageParams, page_of
from zabota.stores.auth import context_of, scoped
from zabota.stores.models import Scope

router = Router(tags=["library"])


class TagOut(Schema):
    id: int
    name: str
    color: str


class MacroOut(Schema):
    id: int
    name: str
    text: str
    actions: dict[str, Any]
    is_active: bool
    usage_count: int


class ScriptStepOut(Schema):
    position: int
    title: str
    text: str


class ScriptOut(Schema):
    id: int
    name: str
    category: str
    channel: str
    is_active: bool
    steps: list[ScriptStepOut]

    @staticmethod
    def resolve_steps(obj: Script) -> list[ScriptStep]:
        return list(obj.steps.all())


@router.get("/tags", response={200: Page[TagOut], **ERRORS}, auth=scoped(Scope.CONVERSATIONS_READ))
def list_tags(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    return page_of(Tag.objects.for_store(context_of(request).store), page)


@router.get("/macros", response={200: Page[MacroOut], **ERRORS}, auth=scoped(Scope.MACROS_READ))
def list_macros(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    return page_of(Macro.objects.for_store(context_of(request).store), page)


@router.get("/scripts", response={200: Page[ScriptOut], **ERRORS}, auth=scoped(Scope.MACROS_READ))
def list_scripts(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    """Scripts with their ordered steps."""
    scripts = Script.objects.for_store(context_of(request).store).prefetch_related("steps")
    return page_of(scripts, page)
