"""Turn a raw RFC 5322 message into a `ParsedEmail`: headers, bodies, attachments, reply split.

Pure Python: the standard library's ``email`` package (``policy.default``) builds the MIME tree;
headers and text bodies are decoded by `charsets` (RFC 2047 words, raw 8-bit, unknown and
mis-declared charsets); HTML is sanitised with ``nh3``; `reply` separates new text from quotes.

`parse_email` never raises on a malformed message: what can be read is returned and what went
wrong is listed in ``defects``. It raises `EmailParseError` only for input that cannot be an
email at all: empty (or whitespace only) or larger than ``max_message_bytes``.
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser

from zabota.connectors.email._parse_headers import (
    _addresses,
    _date,
    _first_msgid,
    _generated_msgid,
    _msgids,
    _raw_headers,
    _top_content_type,
    normalize_address,
)
from zabota.connectors.email._parse_html import sanitize_html
from zabota.connectors.email._parse_mime import _walk, sniff_content_type
from zabota.connectors.email._parse_types import (
    _MAX_REPLY_SPLIT_CHARS,
    DEFAULT_MAX_ATTACHMENT_BYTES,
    KEPT_HEADERS,
    MAX_EMAIL_BYTES,
    Address,
    Attachment,
    EmailParseError,
    ParsedEmail,
    _Acc,
)
from zabota.connectors.email.charsets import decode_header_value
from zabota.connectors.email.reply import ReplyParts, html_to_text, split_reply

__all__ = [
    "DEFAULT_MAX_ATTACHMENT_BYTES",
    "MAX_EMAIL_BYTES",
    "Address",
    "Attachment",
    "EmailParseError",
    "ParsedEmail",
    "normalize_address",
    "parse_email",
    "sanitize_html",
    "sniff_content_type",
]

# --- entry point -------------------------------------------------------------------------------


def parse_email(
    raw: bytes,
    *,
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
    max_message_bytes: int = MAX_EMAIL_BYTES,
) -> ParsedEmail:
    """Parse a raw message (bytes as received). See the module docstring for what raises."""
    raw = bytes(raw)
    if not raw.strip():
        raise EmailParseError("The email is empty.")
    if len(raw) > max_message_bytes:
        raise EmailParseError(f"The email is larger than {max_message_bytes} bytes.", code="email_too_large")
    defects: list[str] = []
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # noqa: BLE001 - the stdlib parser has no documented exception set
        defects.append(f"MIME structure unreadable: {type(exc).__name__}")
        message = EmailMessage()
        message.set_payload(raw.decode("ascii", "surrogateescape"))
    headers = _raw_headers(message)
    if not headers:
        defects.append("no headers")
    acc = _Acc()
    try:
        _walk(message, acc, depth=0, limit=max_attachment_bytes, in_report=False)
    except Exception as exc:  # noqa: BLE001 - never lose the message over one broken part
        acc.defects.append(f"MIME tree partly unreadable: {type(exc).__name__}")
    defects += acc.defects
    return _assemble(raw, message, headers, acc, defects)


def _assemble(
    raw: bytes, message: Message, headers: dict[str, list[str]], acc: _Acc, defects: list[str]
) -> ParsedEmail:
    def first(name: str) -> str | None:
        values = headers.get(name)
        return values[0] if values else None

    message_id = _first_msgid(first("message-id") or "")
    generated = message_id is None
    if message_id is None:
        message_id = _generated_msgid(raw, headers)
        defects.append("no Message-ID: generated one")
    in_reply_to = _first_msgid(first("in-reply-to") or "")
    references = _msgids(" ".join(headers.get("references", [])))
    subject = " ".join(decode_header_value(first("subject") or "").split())
    date = _date(first("date"), defects)
    senders = _addresses(headers.get("from", []), defects, "From")
    text = _join_text(acc.texts)
    html = "\n".join(acc.htmls)
    text_from_html = not text.strip() and bool(html.strip())
    if text_from_html:
        text = html_to_text(html)
    html_safe, remote_images = sanitize_html(html) if html.strip() else ("", 0)
    content_type, report_type = _top_content_type(message)
    kept = {name: decode_header_value(headers[name][0]) for name in KEPT_HEADERS if name in headers}
    return ParsedEmail(
        message_id=message_id,
        message_id_generated=generated,
        in_reply_to=in_reply_to,
        references=references,
        subject=subject,
        from_=senders[0] if senders else None,
        to=_addresses(headers.get("to", []), defects, "To"),
        cc=_addresses(headers.get("cc", []), defects, "Cc"),
        reply_to=_addresses(headers.get("reply-to", []), defects, "Reply-To"),
        date=date,
        text=text,
        text_from_html=text_from_html,
        html=html,
        html_safe=html_safe,
        remote_images=remote_images,
        reply=_split(text),
        attachments=tuple(acc.attachments),
        content_type=content_type,
        report_type=report_type,
        headers=kept,
        hop_count=len(headers.get("received", [])),
        delivery_status="\n\n".join(acc.delivery_status),
        returned_headers="\n\n".join(acc.returned_headers),
        defects=tuple(dict.fromkeys(defects)),
    )


def _split(text: str) -> ReplyParts:
    if len(text) > _MAX_REPLY_SPLIT_CHARS:
        return ReplyParts(reply=text, quoted="", signature="")
    return split_reply(text)


def _join_text(texts: list[str]) -> str:
    return "\n\n".join(text.strip("\n") for text in texts if text.strip())
