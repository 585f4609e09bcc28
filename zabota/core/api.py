"""What every API endpoint shares: one JSON error shape, its handlers, and cursor pagination.

Errors are always ``{"code", "message", "field"}`` with a 4xx status so that integrations can branch on
``code`` and show ``message``; a 500 means a bug, never bad input.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from zabota.core.errors import DomainError, InvalidInput, NotFound, PayloadTooLarge

logger = logging.getLogger(__name__)

MAX_ID = 2**63 - 1
MAX_PAGE_SIZE = 200

M = TypeVar("M", bound=Model)
T = TypeVar("T")


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class PageParams(Schema):
    cursor: str | None = None
    limit: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)


ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "field": field}


def _field_of(loc: Sequence[Any]) -> str | None:
    """``("body", "payload", "customer", "kind")`` → ``"customer.kind"``; the source and param name go."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form", "file"):
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in ("payload", "filters", "page"):
        parts = parts[1:]
    return ".".join(parts) or None


def install_error_handlers(api: NinjaAPI) -> None:
    """Replace ninja's defaults so that every failure has the same JSON shape."""

    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    def on_domain(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, exc.status, error_body(exc.code, exc.message, exc.field))

    def on_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        first = exc.errors[0] if exc.errors else {}
        message = str(first.get("msg", _("Invalid input.")))
        return respond(request, 422, error_body("validation_error", message, _field_of(first.get("loc", ()))))

    def on_auth(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 401, error_body("unauthorized", _("A valid API token is required (Bearer).")))

    def on_http(request: HttpRequest, exc: Any) -> HttpResponse:
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            return respond(request, 400, error_body("malformed_json", _("The body is not valid JSON.")))
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
        return respond(request, exc.status_code, error_body(code.get(exc.status_code, "invalid"), str(exc)))

    def on_404(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 404, error_body("not_found", _("Not found.")))

    def on_too_big(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 413, error_body("too_large", _("The request body is too large.")))

    def on_unexpected(request: HttpRequest, exc: Any) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        return respond(request, 500, error_body("server_error", _("Internal error; it has been logged.")))

    api.add_exception_handler(DomainError, on_domain)
    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(AuthenticationError, on_auth)
    api.add_exception_handler(HttpError, on_http)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(RequestDataTooBig, on_too_big)
    if not settings.DEBUG:
        api.add_exception_handler(Exception, on_unexpected)


def read_json(request: HttpRequest) -> Any:
    """The body as JSON, for endpoints that must keep the raw payload even when it is invalid."""
    try:
        body = request.body
    except RequestDataTooBig as exc:
        raise PayloadTooLarge(_("The request body is too large.")) from exc
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(_("The body is not valid JSON."), code="malformed_json") from exc


def check_id(value: int, *, field: str | None = None) -> int:
    """Ids outside the database's range are simply not found (no overflow error from the driver)."""
    if not 1 <= value <= MAX_ID:
        raise NotFound(_("Not found."), field=field)
    return value


def get_or_404(queryset: QuerySet[M], pk: int, *, field: str | None = None) -> M:
    """Fetch by id within an already store-scoped queryset; another store's id is simply not found."""
    obj = queryset.filter(pk=check_id(pk, field=field)).first()
    if obj is None:
        raise NotFound(_("Not found."), field=field)
    return obj


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"id": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        last_id = data["id"]
    except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error) as exc:
        raise InvalidInput(_("The cursor is not valid."), field="cursor", code="invalid_cursor") from exc
    if not isinstance(last_id, int) or isinstance(last_id, bool) or not 0 <= last_id <= MAX_ID:
        raise InvalidInput(_("The cursor is not valid."), field="cursor", code="invalid_cursor")
    return last_id


def paginate(
    queryset: QuerySet[M], page: PageParams, *, ascending: bool = False
) -> tuple[list[M], str | None]:
    """Keyset pagination on ``id``: stable under inserts, one query per page."""
    limit = page.limit or settings.ZABOTA_API_PAGE_SIZE
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    if page.cursor:
        last_id = decode_cursor(page.cursor)
        queryset = queryset.filter(id__gt=last_id) if ascending else queryset.filter(id__lt=last_id)
    rows = list(queryset.order_by("id" if ascending else "-id")[: limit + 1])
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(rows[-1].pk)
    return rows, None


def page_of(queryset: QuerySet[M], page: PageParams, *, ascending: bool = False) -> dict[str, Any]:
    items, next_cursor = paginate(queryset, page, ascending=ascending)
    return {"items": items, "next_cursor": next_cursor}


def request_body_doc(model: type[Schema]) -> dict[str, Any]:
    """An OpenAPI ``requestBody`` for endpoints that read the raw body themselves (nested models inlined)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(defs[ref.rsplit("/", 1)[-1]])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(value) for value in node]
        return node

    return {"requestBody": {"required": True, "content": {"application/json": {"schema": inline(schema)}}}}
