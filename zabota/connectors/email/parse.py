"""Turn a raw RFC 5322 message into a `ParsedEmail`: headers, bodies, attachments, reply split.

Pure Python: the standard library's ``email`` package (``policy.default``) builds the MIME tree;
headers and text bodies are decoded by `charsets` (RFC 2047 words, raw 8-bit, unknown and
mis-declared charsets); HTML is sanitised with ``nh3``; `reply` separates new text from quotes.

`parse_email` never raises on a malformed message: what can be read is returned and what went
wrong is listed in ``defects``. It raises `EmailParseError` only for input that cannot be an
email at all: empty (or whitespace only) or larger than ``max_message_bytes``.
"""

from __future__ import annotations

import contextlib
import hashlib
import html as html_lib
import mimetypes
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import collapse_rfc2231_value, getaddresses, parsedate_to_datetime

import nh3

from zabota.connectors.email.charsets import decode_bytes, decode_header_value
from zabota.connectors.email.reply import ReplyParts, html_to_text, split_reply
from zabota.core.errors import InvalidInput

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


# --- headers -----------------------------------------------------------------------------------


def _raw_headers(message: Message) -> dict[str, list[str]]:
    """Header values as sent (folded, encoded words intact, 8-bit bytes as surrogate escapes)."""
    headers: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        headers.setdefault(str(name).strip().lower(), []).append(str(value))
    return headers


_MSGID = re.compile(r"<\s*([^<>\s]+?)\s*>")


def _msgids(value: str) -> tuple[str, ...]:
    value = decode_header_value(value)
    found = _MSGID.findall(value) or [token.strip("<>,;") for token in value.split() if "@" in token]
    return tuple(dict.fromkeys(item for item in found if item))


def _first_msgid(value: str) -> str | None:
    ids = _msgids(value)
    if ids:
        return ids[0]
    token = decode_header_value(value).strip().strip("<>").strip()
    return token.split()[0] if token else None


def _generated_msgid(raw: bytes, headers: dict[str, list[str]]) -> str:
    """Stable for the same email however it was relayed: trace headers are left out."""
    digest = hashlib.sha256()
    for name in ("from", "to", "cc", "date", "subject"):
        digest.update("\n".join(headers.get(name, [])).encode("utf-8", "surrogateescape") + b"\0")
    separator = re.search(rb"\r?\n\r?\n", raw)
    digest.update(raw[separator.end() :] if separator else raw)
    return f"{digest.hexdigest()[:40]}@generated.zabota.invalid"


def _date(value: str | None, defects: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(decode_header_value(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        defects.append("unreadable Date header")
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def normalize_address(address: str) -> str:
    """Domain lower-cased, IDNA (xn--) labels shown in Unicode; the local part kept as sent."""
    address = address.strip().strip("<>").strip()
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    domain = domain.strip().rstrip(".").lower()
    if "xn--" in domain:
        with contextlib.suppress(UnicodeError):
            domain = domain.encode("ascii").decode("idna")
    return f"{local}@{domain.lower()}"


def _addresses(values: list[str], defects: list[str], header: str) -> tuple[Address, ...]:
    if not values:
        return ()
    unfolded = [re.sub(r"\r?\n[ \t]*", " ", value) for value in values]
    try:
        pairs = getaddresses([_decode_8bit(value) for value in unfolded])
    except Exception:  # noqa: BLE001 - getaddresses on hostile input
        defects.append(f"unreadable {header} header")
        return ()
    result: list[Address] = []
    for name, address in pairs:
        if "@" not in address:
            if address or name:
                defects.append(f"invalid address in {header} header")
            continue
        result.append(Address(name=decode_header_value(name), address=normalize_address(address)))
    return tuple(dict.fromkeys(result))


def _decode_8bit(value: str) -> str:
    data = value.encode("utf-8", "surrogateescape")
    return value if data.isascii() else decode_bytes(data, None).text


def _top_content_type(message: Message) -> tuple[str, str | None]:
    try:
        report_type = message.get_param("report-type")
        if isinstance(report_type, tuple):
            report_type = collapse_rfc2231_value(report_type)
        return message.get_content_type(), (str(report_type).lower() if report_type else None)
    except Exception:  # noqa: BLE001
        return "text/plain", None


# --- MIME tree ---------------------------------------------------------------------------------


def _walk(part: Message, acc: _Acc, *, depth: int, limit: int, in_report: bool) -> None:
    acc.parts += 1
    if acc.parts > _MAX_PARTS:
        acc.defects.append(f"more than {_MAX_PARTS} MIME parts: the rest ignored")
        return
    if depth > _MAX_DEPTH:
        acc.defects.append(f"MIME parts nested deeper than {_MAX_DEPTH}: ignored")
        return
    acc.defects += [type(defect).__name__ for defect in part.defects]
    ctype = _content_type(part)
    if ctype in ("message/rfc822", "message/global"):
        _forwarded(part, acc, limit=limit, in_report=in_report)
        return
    if ctype.startswith("message/"):  # delivery-status, disposition-notification, feedback-report…
        acc.delivery_status.append(_delivery_status(part))
        return
    if part.is_multipart():
        children = [child for child in part.get_payload() if isinstance(child, Message)]
        if ctype == "multipart/alternative":
            _alternative(children, acc, depth=depth, limit=limit)
            return
        report = in_report or ctype == "multipart/report"
        for child in children:
            _walk(child, acc, depth=depth + 1, limit=limit, in_report=report)
        return
    _leaf(part, ctype, acc, limit=limit)


def _alternative(children: list[Message], acc: _Acc, *, depth: int, limit: int) -> None:
    """Keep the last (richest) plain-text and the last HTML rendering; keep every attachment."""
    subs: list[_Acc] = []
    for child in children:
        sub = _Acc()
        _walk(child, sub, depth=depth + 1, limit=limit, in_report=False)
        subs.append(sub)
        acc.merge(sub, bodies=False)
    acc.texts += next((sub.texts for sub in reversed(subs) if any(t.strip() for t in sub.texts)), [])
    acc.htmls += next((sub.htmls for sub in reversed(subs) if any(h.strip() for h in sub.htmls)), [])


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # noqa: BLE001
        return "application/octet-stream"


def _param(part: Message, name: str, header: str = "content-type") -> str | None:
    try:
        value = part.get_param(name, header=header)
    except Exception:  # noqa: BLE001
        return None
    if isinstance(value, tuple):
        value = collapse_rfc2231_value(value)
    return str(value) if value else None


def _payload(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)


def _decode_body(part: Message, ctype: str, acc: _Acc) -> str:
    data = _payload(part)
    charset = _param(part, "charset")
    if charset is None and ctype == "text/html":
        meta = _META_CHARSET.search(data[:4096])
        charset = meta.group(1).decode("ascii") if meta else None
    decoded = decode_bytes(data, charset)
    if decoded.defect:
        acc.defects.append(decoded.defect)
    text = decoded.text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:  # noqa: BLE001
        return None


def _leaf(part: Message, ctype: str, acc: _Acc, *, limit: int) -> None:
    disposition = _disposition(part)
    filename = _filename(part)
    if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
        (acc.texts if ctype == "text/plain" else acc.htmls).append(_decode_body(part, ctype, acc))
        return
    if ctype == "text/rfc822-headers":
        acc.returned_headers.append(_decode_body(part, ctype, acc))
    _attach(acc, part, ctype, _payload(part), filename, limit=limit, disposition=disposition)


def _attach(
    acc: _Acc,
    part: Message,
    ctype: str,
    payload: bytes,
    filename: str | None,
    *,
    limit: int,
    disposition: str | None,
    subject: str | None = None,
) -> None:
    content_id = _first_msgid(str(part.get("content-id", "") or "")) if part.get("content-id") else None
    if filename is None:
        extension = ".eml" if ctype.startswith("message/") else mimetypes.guess_extension(ctype) or ""
        extension = extension or (".txt" if ctype.startswith("text/") else ".bin")
        filename = f"{_safe_filename(subject or '') or f'attachment-{len(acc.attachments) + 1}'}{extension}"
    oversized = len(payload) > limit
    acc.attachments.append(
        Attachment(
            filename=filename,
            content_type=ctype,
            sniffed_type=sniff_content_type(payload, filename),
            size=len(payload),
            content_id=content_id,
            inline=disposition == "inline" or (content_id is not None and disposition != "attachment"),
            payload=None if oversized else payload,
            skipped_reason=f"larger than the {limit}-byte limit" if oversized else None,
            subject=subject,
        )
    )


def _forwarded(part: Message, acc: _Acc, *, limit: int, in_report: bool) -> None:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload and isinstance(payload[0], Message) else None
    if inner is None:
        _attach(
            acc,
            part,
            "message/rfc822",
            _payload(part),
            _filename(part),
            limit=limit,
            disposition="attachment",
        )
        return
    inner_headers = _raw_headers(inner)
    if in_report:
        acc.returned_headers.append("\n".join(f"{name}: {value}" for name, value in inner.raw_items()))
    subject = " ".join(decode_header_value((inner_headers.get("subject") or [""])[0]).split())
    _attach(
        acc,
        part,
        "message/rfc822",
        _message_bytes(inner),
        _filename(part),
        limit=limit,
        disposition="attachment",
        subject=subject,
    )


def _message_bytes(message: Message) -> bytes:
    try:
        return message.as_bytes(policy=policy.compat32)
    except Exception:  # noqa: BLE001 - re-serialising a broken message
        return message.as_string(policy=policy.compat32).encode("utf-8", "surrogateescape")


def _delivery_status(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):
        blocks = [
            "\n".join(f"{name}: {decode_header_value(str(value))}" for name, value in block.raw_items())
            for block in payload
            if isinstance(block, Message)
        ]
        return "\n\n".join(blocks)
    return decode_bytes(_payload(part), None).text


# --- attachments -------------------------------------------------------------------------------


_RAW_FILENAME = re.compile(r"""(?:^|;)\s*(?:file)?name\s*=\s*(?:"([^"]*)"|([^;\s]+))""", re.IGNORECASE)


def _raw_filename(part: Message) -> str | None:
    """Last resort for parameters the stdlib refuses (e.g. an unquoted encoded word)."""
    for header in ("content-disposition", "content-type"):
        for name, value in part.raw_items():
            if name.lower() == header and (match := _RAW_FILENAME.search(str(value).split(";", 1)[-1])):
                return match.group(1) or match.group(2)
    return None


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        name = _param(part, "name")
    name = name or _raw_filename(part)
    if not name:
        return None
    name = str(name)
    data = name.encode("utf-8", "surrogateescape")
    if not data.isascii():
        name = decode_bytes(data, None).text
    if "=?" in name:
        name = decode_header_value(name)
    return _safe_filename(name) or None


def _safe_filename(name: str) -> str:
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(char for char in name if char.isprintable()).strip().strip(".")
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = (
            f"{stem[: 200 - len(extension) - 1]}.{extension}" if dot and len(extension) <= 10 else name[:200]
        )
    return name


_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"%PDF-", "application/pdf"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"BM", "image/bmp"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
    (0, b"\x00\x00\x01\x00", "image/vnd.microsoft.icon"),
    (0, b"Rar!\x1a\x07", "application/vnd.rar"),
    (0, b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (0, b"\x1f\x8b", "application/gzip"),
    (0, b"\x78\x9f\x3e\x22", "application/vnd.ms-tnef"),
    (0, b"{\\rtf", "application/rtf"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"OggS", "audio/ogg"),
    (0, b"fLaC", "audio/flac"),
    (0, b"BEGIN:VCALENDAR", "text/calendar"),
    (0, b"BEGIN:VCARD", "text/vcard"),
)
_ZIP_FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
_OLE_FORMATS = {
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
}


def sniff_content_type(data: bytes, filename: str = "") -> str | None:
    """The type the first bytes say, for common attachment types; None when unknown.
    Zip and OLE containers are told apart by the file's extension (docx vs zip, doc vs xls)."""
    head = data[:64]
    extension = filename.rpartition(".")[2].lower() if "." in filename else ""
    if head.startswith(b"PK\x03\x04"):
        return _ZIP_FORMATS.get(extension, "application/zip")
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _OLE_FORMATS.get(extension, "application/x-ole-storage")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "image/heic" if brand in (b"heic", b"heix", b"mif1") else "video/mp4"
    for offset, magic, mime in _MAGIC:
        if head[offset:].startswith(magic):
            return mime
    return None


# --- HTML --------------------------------------------------------------------------------------

_STYLE_PROPERTIES = {
    *("color", "background-color", "font-weight", "font-style", "font-size", "font-family", "text-align"),
    *("text-decoration", "vertical-align", "white-space", "width", "height", "border-collapse"),
    *(
        f"{box}{side}"
        for box in ("margin", "padding", "border")
        for side in ("", "-left", "-right", "-top", "-bottom")
    ),
}
_ALLOWED_ATTRIBUTES = {
    **nh3.ALLOWED_ATTRIBUTES,
    "*": set(nh3.ALLOWED_ATTRIBUTES.get("*", set())) | {"style", "title", "lang", "dir"},
    "img": {"src", "alt", "width", "height", "title"},
}
_URL_SCHEMES = set(nh3.ALLOWED_URL_SCHEMES) | {"cid"}
_IMG_TAG = re.compile(r'<img\b((?:[^>"]|"[^"]*")*)>')
_ATTRIBUTE = re.compile(r'([^\s="/]+)(?:="([^"]*)")?')


def sanitize_html(markup: str) -> tuple[str, int]:
    """Sanitise email HTML for display; returns (safe HTML, number of remote images blocked).

    Remote images (http/https) lose ``src`` and keep the address in ``data-remote-src`` so the UI
    can offer "show images"; ``cid:`` images get ``data-cid`` (the Content-ID, decoded) for the UI
    to point at the stored attachment; any other image source is dropped.
    """
    clean = nh3.clean(
        markup,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        filter_style_properties=_STYLE_PROPERTIES,
        clean_content_tags={"script", "style", "title", "head"},
    )
    remote = 0

    def rewrite(match: re.Match[str]) -> str:
        nonlocal remote
        kept: list[str] = []
        extra = ""
        for attr in _ATTRIBUTE.finditer(match.group(1)):
            name, value = attr.group(1), attr.group(2) or ""
            if name.lower() != "src":
                kept.append(attr.group(0))
                continue
            source = html_lib.unescape(value).strip()
            lowered = source.lower()
            if lowered.startswith(("http://", "https://", "//")):
                remote += 1
                extra = f' data-remote-src="{html_lib.escape(source, quote=True)}"'
            elif lowered.startswith("cid:"):
                content_id = urllib.parse.unquote(source[4:]).strip("<>")
                extra = f' data-cid="{html_lib.escape(content_id, quote=True)}"'
        return "<img" + "".join(f" {item}" for item in kept) + extra + ">"

    return _IMG_TAG.sub(rewrite, clean), remote
