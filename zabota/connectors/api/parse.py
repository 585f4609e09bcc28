"""Turn the stored JSON payload of the API channel into an ``Inbound``."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from zabota.connectors.inbound import Inbound, InboundAttachment
from zabota.core.errors import InvalidInput


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


def parse(payload: dict[str, Any], *, max_chars: int) -> Inbound:
    customer = payload.get("customer")
    if not isinstance(customer, dict):
        raise InvalidInput(_("“customer” must be an object with an identity."), field="customer")
    attachments = []
    for index, item in enumerate(payload.get("attachments") or []):
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
    sent_at = payload.get("sent_at")
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
        sent_at=datetime.fromisoformat(sent_at) if isinstance(sent_at, str) and sent_at else None,
        attachments=tuple(attachments),
    )
