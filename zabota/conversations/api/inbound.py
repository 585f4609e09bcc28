"""API: messages posted by integrations through the generic "API" channel.

The raw JSON is stored as an ``InboundRecord`` before anything is checked (nothing lost), then parsed
and delivered; the idempotency key makes retries safe: a key seen before answers 200 with the same ids.
The body is read by hand, not by a ninja schema, so that an invalid payload is still stored.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from zabota.conversations.actions import (
    ingest_many,
)
from zabota.core.api import ERRORS, ErrorOut, error_body, read_json, request_body_doc
from zabota.core.errors import InvalidInput, PayloadTooLarge
from zabota.stores.auth import context_of, scoped
from zabota.stores.models import Scope, Store

router = Router(tags=["inbound"])
MAX_BATCH = 500
MAX_KEY = 200


class InboundCustomerIn(Schema):
    kind: str = Field(..., description="email, phone, telegram, vk, whatsapp, visitor or external")
    value: str
    name: str = ""


class InboundAttachmentIn(Schema):
    filename: str
    content_type: str
    content_base64: str


class InboundMessageIn(Schema):
    idempotency_key: str = Field(..., max_length=MAX_KEY, description="Unique per message; retries reuse it.")
    customer: InboundCustomerIn
    text: str
    subject: str = ""
    thread_id: str = Field("", description="Messages with the same thread id share a conversation.")
    category: str = ""
    sent_at: str | None = Field(None, description="ISO 8601 with a time zone.")
    attachments: list[InboundAttachmentIn] = Field(default_factory=list)


class InboundBatchIn(Schema):
    messages: list[InboundMessageIn] = Field(..., max_length=MAX_BATCH)


class InboundOut(Schema):
    message_id: int
    conversation_id: int


class InboundItemOut(Schema):
    index: int
    status: int
    message_id: int | None = None
    conversation_id: int | None = None
    error: ErrorOut | None = None


class InboundBatchOut(Schema):
    results: list[InboundItemOut]


def _key_of(payload: Any) -> str:
    """The client's idempotency key, or a unique one so that a payload without a usable key is still kept."""
    key = payload.get("idempotency_key") if isinstance(payload, dict) else None
    if isinstance(key, str) and key.strip() and len(key) <= MAX_KEY:
        return key
    return f"unkeyed:{uuid.uuid4().hex}"


def ingest(store: Store, payload: Any) -> Status[dict[str, int]]:
    """Store, then process; returns (201 first time | 200 seen before, ids). Raises ``DomainError``."""
    (result,) = ingest_many(
        store=store, channel="api", items=[(_key_of(payload), cast(dict[str, Any], payload))]
    )
    if result.error is not None:
        raise result.error
    return Status(
        200 if result.duplicate else 201,
        {"message_id": cast(int, result.message_id), "conversation_id": cast(int, result.conversation_id)},
    )


@router.post(
    "/inbound/messages",
    response={200: InboundOut, 201: InboundOut, 413: ErrorOut, **ERRORS},
    auth=scoped(Scope.INBOUND_WRITE),
    openapi_extra=request_body_doc(InboundMessageIn),
)
def post_message(request: HttpRequest) -> Status[dict[str, int]]:
    """Deliver one customer message; 201 on first delivery, 200 with the same ids for a repeated key."""
    return ingest(context_of(request).store, read_json(request))


@router.post(
    "/inbound/messages/batch",
    response={200: InboundBatchOut, 413: ErrorOut, **ERRORS},
    auth=scoped(Scope.INBOUND_WRITE),
    openapi_extra=request_body_doc(InboundBatchIn),
)
def post_batch(request: HttpRequest) -> dict[str, Any]:
    """Up to 500 messages in one transaction; each item gets its own status, as if posted alone."""
    store = context_of(request).store
    body = read_json(request)
    items = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise InvalidInput(_("“messages” must be a list."), field="messages")
    if len(items) > MAX_BATCH:
        raise PayloadTooLarge(_("A batch holds at most %(n)s messages.") % {"n": MAX_BATCH}, field="messages")
    received = ingest_many(
        store=store,
        channel="api",
        items=[(_key_of(p), cast(dict[str, Any], p)) for p in items],
    )
    results: list[dict[str, Any]] = []
    for index, result in enumerate(received):
        if result.error is not None:
            error = result.error
            results.append(
                {
                    "index": index,
                    "status": error.status,
                    "error": error_body(error.code, error.message, error.field),
                }
            )
        else:
            results.append(
                {
                    "index": index,
                    "status": 200 if result.duplicate else 201,
                    "message_id": result.message_id,
                    "conversation_id": result.conversation_id,
                }
            )
    return {"results": results}
