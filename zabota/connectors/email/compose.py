"""Build the email of an outbound reply: pure, no database, no network.

The result is a standard-library ``EmailMessage`` (``policy.SMTP``: CRLF line ends, encoded words for
non-ASCII headers) shaped as mail clients expect:

    multipart/mixed                      (only with attachments)
      multipart/related                  (only with inline images)
        multipart/alternative
          text/plain; charset=utf-8      quoted-printable
          text/html; charset=utf-8       quoted-printable
        image/png; Content-ID: <cid>
      application/pdf; attachment

Threading headers follow RFC 5322 §3.6.4: ``In-Reply-To`` names the message answered, ``References``
the thread (the last ten ids, so a long thread does not grow the header without bound, while clients
that thread by the first id keep it).
"""

from __future__ import annotations

import html as html_lib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

__all__ = [
    "MAX_REFERENCES",
    "OutboundAttachment",
    "OutboundEmail",
    "compose",
    "domain_of",
    "make_message_id",
    "reply_subject",
    "text_to_html",
    "thread_references",
    "with_signature",
]

MAX_REFERENCES = 10
SIGNATURE_SEPARATOR = "-- "  # RFC 3676 §4.3: clients recognise and strip what follows
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|vs|отв|ответ)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*)+", re.IGNORECASE)
_TAG = re.compile(r"\[#(\d+)\]")
_ID_CHARS = re.compile(r"[^A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]")


@dataclass(frozen=True, slots=True)
class OutboundAttachment:
    filename: str
    content_type: str
    content: bytes
    inline_cid: str = ""  # set for images the HTML shows with ``cid:``


@dataclass(frozen=True, slots=True)
class OutboundEmail:
    from_address: str
    to_address: str
    subject: str
    text: str
    message_id: str  # without <>
    from_name: str = ""
    to_name: str = ""
    html: str = ""  # safe HTML of the reply; made from ``text`` when empty
    signature: str = ""  # plain text; added to both bodies
    reply_to: str = ""  # the reply-token address
    in_reply_to: str = ""  # without <>
    references: Sequence[str] = ()  # without <>, oldest first
    attachments: Sequence[OutboundAttachment] = field(default_factory=tuple)
    date: datetime | None = None
    automatic: bool = False  # an auto-reply (RFC 3834 ``Auto-Submitted: auto-replied``)


def domain_of(address: str) -> str:
    """The domain of an address, lower-cased; ``localhost`` for an address without one."""
    _, at, domain = address.rpartition("@")
    return (domain.strip().strip(">").lower() if at else "") or "localhost"


def make_message_id(*, store_id: int, message_pk: int, domain: str, nonce: str | None = None) -> str:
    """Our Message-ID (without <>): ``zb.<store>.<message>.<random>@<domain>``; unique and recognisable."""
    token = nonce if nonce is not None else secrets.token_hex(6)
    return f"zb.{store_id}.{message_pk}.{token}@{domain}"


def _clean_id(value: str) -> str:
    value = value.strip().strip("<>").strip()
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain:
        return ""
    return f"{_ID_CHARS.sub('', local)}@{_ID_CHARS.sub('', domain)}"


def thread_references(ids: Sequence[str], *, limit: int = MAX_REFERENCES) -> tuple[str, ...]:
    """The thread's Message-IDs (oldest first), de-duplicated, cleaned, at most ``limit``.

    When cut, the first id (the thread's root) is kept, as RFC 5322 suggests, with the newest others.
    """
    seen: set[str] = set()
    cleaned: list[str] = []
    for raw in ids:
        value = _clean_id(raw)
        if value and value not in seen:
            seen.add(value)
            cleaned.append(value)
    if len(cleaned) <= limit:
        return tuple(cleaned)
    return (cleaned[0], *cleaned[len(cleaned) - limit + 1 :])


def reply_subject(subject: str, number: int | None) -> str:
    """``Re: <subject> [#<number>]`` without piling up prefixes or tags."""
    base = " ".join(subject.split())
    base = _REPLY_PREFIX.sub("", base).strip()
    if number is not None:
        base = _TAG.sub("", base).strip() if f"[#{number}]" in base else base
        base = f"{base} [#{number}]".strip()
    return f"Re: {base}" if base else "Re:"


def with_signature(text: str, signature: str) -> str:
    text = text.rstrip()
    signature = signature.strip()
    if not signature:
        return text
    return f"{text}\n\n{SIGNATURE_SEPARATOR}\n{signature}"


def text_to_html(text: str) -> str:
    """Plain text as HTML paragraphs: escaped, blank lines split paragraphs, newlines become <br>."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()) if p.strip()]
    return "".join(
        "<p>" + "<br>\n".join(html_lib.escape(line) for line in p.split("\n")) + "</p>\n" for p in paragraphs
    )


def _html_document(body: str, signature: str) -> str:
    signature_html = ""
    if signature.strip():
        lines = "<br>\n".join(html_lib.escape(line) for line in signature.strip().split("\n"))
        signature_html = f'<div class="signature">-- <br>\n{lines}</div>\n'
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n'
        f"<body>\n{body}{signature_html}</body></html>\n"
    )


def _header_address(name: str, address: str) -> Address:
    local, _, domain = address.strip().rpartition("@")
    if not local or not domain or any(ch.isspace() or ch in '<>,;"' for ch in local + domain):
        raise ValueError(f"invalid email address: {address[:100]!r}")
    if not domain.isascii():
        domain = domain.encode("idna").decode("ascii")
    return Address(display_name=" ".join(name.split()), username=local, domain=domain)


def _transfer_encoding(text: str) -> str:
    """Quoted-printable for mostly-ASCII text (readable), base64 for Cyrillic (a third of qp's size)."""
    if not text:
        return "quoted-printable"
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    return "base64" if non_ascii * 5 > len(text) else "quoted-printable"


def _split_type(content_type: str) -> tuple[str, str]:
    main, _, sub = content_type.split(";")[0].strip().lower().partition("/")
    if not main or not sub:
        return "application", "octet-stream"
    return main, sub


def compose(email: OutboundEmail) -> EmailMessage:
    """The MIME message of ``email``; raises ``ValueError`` for an address that cannot be written."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = _header_address(email.from_name, email.from_address)
    message["To"] = _header_address(email.to_name, email.to_address)
    if email.reply_to:
        message["Reply-To"] = _header_address(email.from_name, email.reply_to)
    message["Subject"] = " ".join(email.subject.split())
    if email.date is not None:
        message["Date"] = format_datetime(email.date)
    message["Message-ID"] = f"<{_clean_id(email.message_id) or email.message_id}>"
    in_reply_to = _clean_id(email.in_reply_to)
    references = list(thread_references(email.references))
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
        if in_reply_to not in references:
            references = list(thread_references([*references, in_reply_to]))
    if references:
        message["References"] = " ".join(f"<{r}>" for r in references)
    message["MIME-Version"] = "1.0"
    if email.automatic:
        message["Auto-Submitted"] = "auto-replied"
        message["X-Auto-Response-Suppress"] = "All"
    else:
        message["Auto-Submitted"] = "no"

    text = with_signature(email.text, email.signature)
    body_html = email.html.strip() or text_to_html(email.text)
    message.set_content(text + "\n", subtype="plain", charset="utf-8", cte=_transfer_encoding(text))
    document = _html_document(body_html + "\n", email.signature)
    message.add_alternative(document, subtype="html", charset="utf-8", cte=_transfer_encoding(document))
    inline = [a for a in email.attachments if a.inline_cid]
    if inline:
        html_part = list(message.iter_parts())[1]
        if not isinstance(html_part, EmailMessage):  # pragma: no cover - add_alternative made it
            raise TypeError("the HTML part is missing")
        for item in inline:
            maintype, subtype = _split_type(item.content_type)
            html_part.add_related(
                item.content,
                maintype=maintype,
                subtype=subtype,
                cid=f"<{item.inline_cid.strip('<>')}>",
                filename=item.filename,
                disposition="inline",
            )
    for item in email.attachments:
        if item.inline_cid:
            continue
        maintype, subtype = _split_type(item.content_type)
        message.add_attachment(item.content, maintype=maintype, subtype=subtype, filename=item.filename)
    return message
