"""Reading a mailbox over IMAP with the standard library's ``imaplib``: read-only, by UID.

The poller never marks, moves or deletes server mail: it selects the folder read-only, reads
UIDVALIDITY, lists the UIDs after its cursor and fetches each with ``BODY.PEEK[]``. Every failure
becomes an `ImapError` naming the step that failed (connect, tls, login, select, search, fetch), so
the settings page and ``Mailbox.last_error`` can say exactly what went wrong.

IDLE: ``imaplib`` has no IDLE before Python 3.14, so mail is polled; the mailbox's poll interval is
the latency.
"""

from __future__ import annotations

import base64
import imaplib
import re
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Check",
    "ImapError",
    "ImapSession",
    "ImapSettings",
    "encode_folder",
    "open_session",
    "test_connection",
]

DEFAULT_TIMEOUT = 30.0
_UIDVALIDITY = re.compile(rb"UIDVALIDITY\s+(\d+)", re.IGNORECASE)
_FETCH_UID = re.compile(rb"UID\s+(\d+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ImapSettings:
    host: str
    port: int
    security: str  # ssl | starttls | none
    username: str
    password: str
    folder: str = "INBOX"
    timeout: float = DEFAULT_TIMEOUT
    ssl_context: ssl.SSLContext | None = None  # tests pass one trusting their own certificate


@dataclass(frozen=True, slots=True)
class Check:
    """One step of `test_connection`: what was tried, whether it worked, and the detail."""

    step: str
    ok: bool
    detail: str


class ImapError(Exception):
    def __init__(self, step: str, detail: str) -> None:
        super().__init__(f"{step}: {detail}")
        self.step = step
        self.detail = detail


def encode_folder(name: str) -> str:
    """A folder name as IMAP wants it: modified UTF-7 (RFC 3501 5.1.3), quoted."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode("ascii").rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    encoded = "".join(out)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(data: Any) -> str:
    if isinstance(data, list | tuple):
        return " ".join(_text(item) for item in data if item is not None)
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return str(data)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate not trusted: {exc.verify_message or exc}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class ImapSession:
    """One logged-in connection. Use `open_session`; it logs out on exit."""

    def __init__(self, connection: imaplib.IMAP4) -> None:
        self.connection = connection

    def select(self, folder: str) -> int:
        """Select read-only; returns UIDVALIDITY."""
        try:
            status, data = self.connection.select(encode_folder(folder), readonly=True)
        except (imaplib.IMAP4.error, OSError) as exc:
            raise ImapError("select", _describe(exc)) from exc
        if status != "OK":
            raise ImapError("select", f"folder “{folder}”: {_text(data)}")
        _name, values = self.connection.response("UIDVALIDITY")
        for value in values or []:
            if isinstance(value, bytes) and value.strip().isdigit():
                return int(value)
        try:
            status, data = self.connection.status(encode_folder(folder), "(UIDVALIDITY)")
        except (imaplib.IMAP4.error, OSError) as exc:
            raise ImapError("select", _describe(exc)) from exc
        match = _UIDVALIDITY.search(b" ".join(d for d in data if isinstance(d, bytes)))
        if status != "OK" or match is None:
            raise ImapError("select", "the server reported no UIDVALIDITY")
        return int(match.group(1))

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs greater than ``last_uid``, ascending (``n:*`` also matches the highest UID: dropped)."""
        try:
            status, data = self.connection.uid("SEARCH", f"UID {last_uid + 1}:*")
        except (imaplib.IMAP4.error, OSError) as exc:
            raise ImapError("search", _describe(exc)) from exc
        if status != "OK":
            raise ImapError("search", _text(data))
        uids = {int(token) for token in _text(data).split() if token.isdigit()}
        return sorted(uid for uid in uids if uid > last_uid)

    def fetch(self, uid: int) -> bytes | None:
        """The raw message of ``uid`` (``None`` if it vanished meanwhile); never sets \\Seen."""
        try:
            status, data = self.connection.uid("FETCH", str(uid), "(UID BODY.PEEK[])")
        except (imaplib.IMAP4.error, OSError) as exc:
            raise ImapError("fetch", _describe(exc)) from exc
        if status != "OK":
            raise ImapError("fetch", f"UID {uid}: {_text(data)}")
        for item in data:
            if isinstance(item, tuple) and len(item) >= 2 and isinstance(item[1], bytes):
                match = _FETCH_UID.search(item[0])
                if match is None or int(match.group(1)) == uid:
                    return item[1]
        return None


def _connect(settings: ImapSettings) -> imaplib.IMAP4:
    context = settings.ssl_context or ssl.create_default_context()
    try:
        if settings.security == "ssl":
            return imaplib.IMAP4_SSL(
                settings.host, settings.port, ssl_context=context, timeout=settings.timeout
            )
        connection = imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)
    except (OSError, imaplib.IMAP4.error) as exc:
        step = "tls" if isinstance(exc, ssl.SSLError) else "connect"
        raise ImapError(step, f"{settings.host}:{settings.port}: {_describe(exc)}") from exc
    if settings.security == "starttls":
        try:
            connection.starttls(ssl_context=context)
        except (OSError, imaplib.IMAP4.error) as exc:
            _close(connection)
            raise ImapError("tls", _describe(exc)) from exc
    return connection


def _close(connection: imaplib.IMAP4) -> None:
    try:
        connection.logout()
    except (OSError, imaplib.IMAP4.error):
        with suppress(OSError):
            connection.shutdown()


@contextmanager
def open_session(settings: ImapSettings) -> Iterator[ImapSession]:
    """Connect, secure and log in; raises `ImapError` naming the failing step."""
    connection = _connect(settings)
    try:
        try:
            connection.login(settings.username, settings.password)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise ImapError("login", _describe(exc)) from exc
        yield ImapSession(connection)
    finally:
        _close(connection)


def test_connection(settings: ImapSettings) -> list[Check]:
    """Each step in order until the first failure: connect (and TLS), login, select the folder."""
    checks: list[Check] = []
    security = {"ssl": "SSL/TLS", "starttls": "STARTTLS"}.get(settings.security, "no encryption")
    try:
        connection = _connect(settings)
    except ImapError as exc:
        checks.append(Check(exc.step, False, exc.detail))
        return checks
    checks.append(Check("connect", True, f"{settings.host}:{settings.port}, {security}"))
    try:
        try:
            connection.login(settings.username, settings.password)
        except (OSError, imaplib.IMAP4.error) as exc:
            checks.append(Check("login", False, _describe(exc)))
            return checks
        checks.append(Check("login", True, settings.username))
        session = ImapSession(connection)
        try:
            uidvalidity = session.select(settings.folder)
            count = len(session.uids_after(0))
        except ImapError as exc:
            checks.append(Check(exc.step, False, exc.detail))
            return checks
        checks.append(
            Check("select", True, f"“{settings.folder}”: {count} messages, UIDVALIDITY {uidvalidity}")
        )
        return checks
    finally:
        _close(connection)


test_connection.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
