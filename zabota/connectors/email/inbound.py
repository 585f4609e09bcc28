"""From raw email bytes to an `Inbound` plus what threading and loop protection need (no models).

`to_inbound` parses (never raising on a malformed message, see `parse.parse_email`), classifies
(bounce, auto-reply, list, loop) and shapes the customer's message: the new text only, the quoted
history and signature kept in ``meta`` for the agent to expand, the sanitised HTML, and the
attachments the store accepts (the others are listed in ``meta``, never silently dropped).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from zabota.connectors.email.autoreply import Classification, classify
from zabota.connectors.email.parse import (
    DEFAULT_MAX_ATTACHMENT_BYTES,
    EmailParseError,
    ParsedEmail,
    parse_email,
)
from zabota.connectors.email.tokens import tokens_in
from zabota.connectors.inbound import Inbound, InboundAttachment

__all__ = ["EmailInbound", "EmailParseError", "external_id_of", "subject_number", "to_inbound"]

MAX_EXTERNAL_ID = 200  # Message.external_id
_SUBJECT_TAG = re.compile(r"\[#(\d{1,18})\]")
_THREAD_IDS = 20  # In-Reply-To and the last References are enough to find a thread


def external_id_of(message_id: str) -> str:
    """The key a Message-ID (without <>) is stored under: itself, or a hash when it is too long."""
    message_id = message_id.strip().strip("<>").strip()
    if len(message_id) <= MAX_EXTERNAL_ID:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()


def subject_number(subject: str) -> int | None:
    """The conversation number of a ``[#123]`` tag (the last one: ours is appended at the end)."""
    found = _SUBJECT_TAG.findall(subject)
    return int(found[-1]) if found else None


@dataclass(frozen=True, slots=True)
class EmailInbound:
    parsed: ParsedEmail
    classification: Classification
    inbound: Inbound
    sender: str  # From address, lower-cased ("" when there is none)
    thread_ids: tuple[str, ...]  # external ids of In-Reply-To then References, newest first
    tokens: tuple[str, ...]  # reply-token candidates from To / Cc / Delivered-To
    number: int | None  # the [#123] of the subject
    meta: dict[str, Any]  # what the stored Message keeps in ``meta``


def _attachments(
    parsed: ParsedEmail, allowed_types: Collection[str]
) -> tuple[tuple[InboundAttachment, ...], list[str]]:
    kept: list[InboundAttachment] = []
    dropped: list[str] = []
    allowed = {item.lower() for item in allowed_types}
    for item in parsed.attachments:
        declared = item.content_type.split(";")[0].strip().lower()
        content_type = declared if declared in allowed else (item.sniffed_type or declared)
        if item.payload is None:
            dropped.append(f"{item.filename}: {item.skipped_reason or 'skipped'}")
        elif content_type not in allowed:
            dropped.append(f"{item.filename}: type {content_type} is not accepted")
        else:
            kept.append(
                InboundAttachment(
                    filename=item.filename or "file",
                    content_type=content_type,
                    content=item.payload,
                    inline_cid=(item.content_id or "") if item.inline else "",
                )
            )
    return tuple(kept), dropped


def to_inbound(
    raw: bytes,
    *,
    own_addresses: Collection[str] = (),
    allowed_types: Collection[str] = (),
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
    max_chars: int = 100_000,
    empty_text: str = "(empty email)",
) -> EmailInbound:
    """Parse and shape one email. Raises `EmailParseError` only for input that is not an email."""
    parsed = parse_email(raw, max_attachment_bytes=max_attachment_bytes)
    classification = classify(parsed, own_addresses=own_addresses)
    attachments, dropped = _attachments(parsed, allowed_types)
    parts = parsed.reply
    text = parts.reply if parts.reply.strip() else parsed.text.strip()
    truncated = len(text) > max_chars
    if truncated:
        text = text[:max_chars]
    if not text.strip() and not attachments:
        text = parsed.subject.strip()[:max_chars] or empty_text
    sender = parsed.from_.address.lower() if parsed.from_ is not None else ""
    meta: dict[str, Any] = {
        "message_id": parsed.message_id,
        "kind": classification.kind,
        "quoted": parts.quoted[:max_chars],
        "signature": parts.signature[:max_chars],
        "remote_images": parsed.remote_images,
    }
    if classification.reason:
        meta["kind_reason"] = classification.reason[:200]
    if dropped:
        meta["attachments_dropped"] = dropped
    if truncated:
        meta["truncated"] = True
    if parsed.defects:
        meta["defects"] = list(parsed.defects[:20])
    inbound = Inbound(
        channel="email",
        identity_kind="email",
        identity_value=sender,
        text=text,
        sender_name=parsed.from_.name[:200] if parsed.from_ is not None else "",
        html=parsed.html_safe,
        subject=parsed.subject[:300],
        external_id=external_id_of(parsed.message_id),
        sent_at=parsed.date,
        attachments=attachments,
    )
    thread_ids = [parsed.in_reply_to] if parsed.in_reply_to else []
    thread_ids += list(reversed(parsed.references))
    delivered_to = [parsed.headers.get("delivered-to", "")]
    addresses = [a.address for a in (*parsed.to, *parsed.cc)] + [x for x in delivered_to if x]
    return EmailInbound(
        parsed=parsed,
        classification=classification,
        inbound=inbound,
        sender=sender,
        thread_ids=tuple(dict.fromkeys(external_id_of(i) for i in thread_ids[:_THREAD_IDS])),
        tokens=tuple(tokens_in(addresses)),
        number=subject_number(parsed.subject),
        meta=meta,
    )
