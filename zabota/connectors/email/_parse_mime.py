"""MIME tree walking and attachments for `zabota.connectors.email.parse`."""

from __future__ import annotations

import mimetypes
import re
from email import policy
from email.message import Message
from email.utils import collapse_rfc2231_value

from zabota.connectors.email._parse_headers import _first_msgid, _raw_headers
from zabota.connectors.email._parse_types import _MAX_DEPTH, _MAX_PARTS, Attachment, _Acc
from zabota.connectors.email.charsets import decode_bytes, decode_header_value

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
