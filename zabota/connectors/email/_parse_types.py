"""Limits and result types of `zabota.connectors.email.parse`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from zabota.connectors.email.reply import ReplyParts
from zabota.core.errors import InvalidInput

MAX_EMAIL_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
_MAX_DEPTH = 32
_MAX_PARTS = 1_000
_MAX_REPLY_SPLIT_CHARS = 300_000  # longer bodies are shown whole: the split is for human-sized mail
# Headers the poller and `autoreply.classify` need later; stored lower-cased, decoded.
KEPT_HEADERS = (
    "auto-submitted",
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
    "precedence",
    "list-id",
    "list-unsubscribe",
    "return-path",
    "x-failed-recipients",
    "x-loop",
    "delivered-to",
)


class EmailParseError(InvalidInput):
    """The input is not an email at all (empty, or over the size limit)."""

    code = "email_unparsable"


@dataclass(frozen=True, slots=True)
class Address:
    name: str
    address: str  # domain lower-cased and in Unicode (IDNA decoded); local part as sent


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str  # as declared
    sniffed_type: str | None  # from the first bytes, for the common types; None if unknown
    size: int
    content_id: str | None  # without <>
    inline: bool
    payload: bytes | None  # None when skipped
    skipped_reason: str | None = None
    subject: str | None = None  # forwarded messages (message/rfc822): their subject


@dataclass(frozen=True, slots=True)
class ParsedEmail:
    message_id: str  # without <>
    message_id_generated: bool
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    from_: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    date: datetime | None  # aware
    text: str  # plain-text body; derived from the HTML when the email has none
    text_from_html: bool
    html: str  # HTML body as sent (decoded, not safe to render)
    html_safe: str  # sanitised; remote images blocked (data-remote-src), cid: images as data-cid
    remote_images: int
    reply: ReplyParts  # `text` split into new text, quoted history and signature
    attachments: tuple[Attachment, ...]
    content_type: str
    report_type: str | None  # Content-Type report-type (multipart/report)
    headers: Mapping[str, str]  # KEPT_HEADERS present in the email, names lower-cased
    hop_count: int  # Received headers
    delivery_status: str  # message/delivery-status parts (bounces), as text
    returned_headers: str  # headers of the message a bounce returns
    defects: tuple[str, ...]


@dataclass
class _Acc:
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    delivery_status: list[str] = field(default_factory=list)
    returned_headers: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    parts: int = 0

    def merge(self, other: _Acc, *, bodies: bool) -> None:
        if bodies:
            self.texts += other.texts
            self.htmls += other.htmls
        self.attachments += other.attachments
        self.delivery_status += other.delivery_status
        self.returned_headers += other.returned_headers
        self.defects += other.defects
        self.parts += other.parts
