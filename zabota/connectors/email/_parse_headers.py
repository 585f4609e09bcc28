"""Header decoding for `zabota.connectors.email.parse`: Message-IDs, dates, addresses."""

from __future__ import annotations

import contextlib
import hashlib
import re
from datetime import UTC, datetime
from email.message import Message
from email.utils import collapse_rfc2231_value, getaddresses, parsedate_to_datetime

from zabota.connectors.email._parse_types import Address
from zabota.connectors.email.charsets import decode_bytes, decode_header_value

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
