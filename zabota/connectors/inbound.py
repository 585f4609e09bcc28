"""The shape every channel adapter produces: an ``Inbound`` (plain data, no models)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    content: bytes
    inline_cid: str = ""


@dataclass(frozen=True)
class Inbound:
    channel: str
    identity_kind: str
    identity_value: str
    text: str
    sender_name: str = ""
    html: str = ""
    subject: str = ""
    external_id: str = ""
    external_thread_id: str = ""
    category: str = ""
    sent_at: datetime | None = None
    attachments: tuple[InboundAttachment, ...] = field(default_factory=tuple)
    meta: dict[str, str] = field(default_factory=dict)
