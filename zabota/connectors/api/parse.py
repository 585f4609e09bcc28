"""Turn the stored JSON payload of the API channel into an ``Inbound``."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from zabota.connectors.inbound import Inbound, InboundAttachment
from zabota.core.errors import InvalidInput, PayloadTooLarge


def _str(payload: dict[str, Any], key: str, *, limit: int, required: bool = False) -> str:
    value = payload.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(_("“%(field)s” must be a string.") % {"field": key}, field=key)
    if required and not value.strip():
        raise InvalidInput(_("“%(field)s” is required.") % {"field": key}, field=key)
    if len(value) > limit:
        raise InvalidInput(
            _("“%(field)s” is longer than %(limit)s characters.") % {"field": key, "limit": limit}, field=key
        )
    return value


def _sent_at(value: Any) -> datetime | None:
    """ISO 8601; a time without a zone is read in the server's zone rather than guessed as UTC."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput(_("“sent_at” must be an ISO 8601 string."), field="sent_at")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(_("“sent_at” is not an ISO 8601 date and time."), field="sent_at") from exc
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def parse(payload: dict[str, Any], *, max_chars: int) -> Inbound:
    if not isinstance(payload, dict):
        raise InvalidInput(_("The message must be a JSON object."))
    text = payload.get("text")
    if isinstance(text, str) and len(text) > max_chars:
        raise PayloadTooLarge(
            _("The message is longer than %(limit)s characters.") % {"limit": max_chars}, field="text"
        )
    customer = payload.get("customer")
    if not isinstance(customer, dict):
        raise InvalidInput(_("“customer” must be an object with an identity."), field="customer")
    items = payload.get("attachments") or []
    if not isinstance(items, list):
        raise InvalidInput(_("“attachments” must be a list."), field="attachments")
    attachments = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise InvalidInput(_("Each attachment must be an object."), field=f"attachments[{index}]")
        try:
            content = base64.b64decode(item.get("content_base64", ""), validate=True)
        except (binascii.Error, ValueError, TypeError) as exc:
            raise InvalidInput(
                _("The attachment is not valid base64."), field=f"attachments[{index}]"
            ) from exc
        attachments.append(
            InboundAttachment(
                filename=_str(item, "filename", limit=255, required=True),
                content_type=_str(item, "content_type", limit=120, required=True),
                content=content,
            )
        )
    return Inbound(
        channel="api",
        identity_kind=_str(customer, "kind", limit=16, required=True),
        identity_value=_str(customer, "value", limit=254, required=True),
        sender_name=_str(customer, "name", limit=200),
        text=_str(payload, "text", limit=max_chars, required=True),
        subject=_str(payload, "subject", limit=300),
        external_id=_str(payload, "idempotency_key", limit=200, required=True),
        external_thread_id=_str(payload, "thread_id", limit=200),
        category=_str(payload, "category", limit=16),
        sent_at=_sent_at(payload.get("sent_at")),
        attachments=tuple(attachments),
    )
