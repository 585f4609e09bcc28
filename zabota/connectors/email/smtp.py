"""Sending over SMTP (``smtplib``): SSL, STARTTLS or plain, with every failure classified.

`send` never raises for a mail problem: it returns a `SendResult` that says whether a retry can help.
Permanent: the server's 5xx answers (the address does not exist, the message is refused), a failed
login, a server that cannot do the STARTTLS the mailbox asks for, an invalid certificate. Temporary:
4xx answers (greylisting, mailbox busy), refused or dropped connections, timeouts, DNS failures.

`test_connection` walks the same steps one by one (connect, TLS, EHLO, login, sender) and reports each,
so an administrator sees exactly which one failed.
"""

from __future__ import annotations

import base64
import smtplib
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Protocol

from django.utils.translation import gettext as _

__all__ = ["Check", "SendResult", "SmtpSettings", "send", "test_connection"]

DEFAULT_TIMEOUT = 30.0


class _SmtpFields(Protocol):
    address: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_username: str
    smtp_password: str


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "ssl"  # ssl | starttls | none
    username: str = ""
    password: str = ""
    sender: str = ""  # the envelope sender (MAIL FROM); the From address when empty
    timeout: float = DEFAULT_TIMEOUT
    ssl_context: ssl.SSLContext | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_mailbox(cls, mailbox: _SmtpFields, *, timeout: float = DEFAULT_TIMEOUT) -> SmtpSettings:
        return cls(
            host=mailbox.smtp_host,
            port=mailbox.smtp_port,
            security=mailbox.smtp_security,
            username=mailbox.smtp_username,
            password=mailbox.smtp_password,
            sender=mailbox.address,
            timeout=timeout,
        )


@dataclass(frozen=True, slots=True)
class SendResult:
    ok: bool
    permanent: bool = False  # a failure a retry cannot fix
    code: int | None = None  # the SMTP reply code, if the server gave one
    detail: str = ""
    refused: dict[str, str] = field(default_factory=dict)  # recipients refused while others were accepted

    @property
    def temporary(self) -> bool:
        return not self.ok and not self.permanent


@dataclass(frozen=True, slots=True)
class Check:
    step: str  # connect | tls | ehlo | login | sender
    ok: bool
    detail: str


class _Failure(Exception):
    def __init__(self, detail: str, *, permanent: bool, code: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail[:1000]
        self.permanent = permanent
        self.code = code


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _by_code(code: int | None, detail: str) -> _Failure:
    permanent = code is not None and 500 <= code < 600
    return _Failure(detail, permanent=permanent, code=code)


def _classify(exc: BaseException) -> _Failure:
    """An exception of smtplib / ssl / socket as a permanent or temporary failure with a readable detail."""
    if isinstance(exc, _Failure):
        return exc
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return _Failure(
            _("Login refused: %(code)s %(reply)s") % {"code": exc.smtp_code, "reply": _text(exc.smtp_error)},
            permanent=True,
            code=exc.smtp_code,
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return _Failure(_("The server does not support: %(what)s") % {"what": exc}, permanent=True)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in exc.recipients.values()]
        replies = "; ".join(
            f"{address}: {code} {_text(reply)}" for address, (code, reply) in exc.recipients.items()
        )
        permanent = bool(codes) and all(500 <= code < 600 for code in codes)
        return _Failure(
            _("Recipient refused: %(replies)s") % {"replies": replies},
            permanent=permanent,
            code=codes[0] if codes else None,
        )
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return _by_code(
            exc.smtp_code,
            _("Sender %(sender)s refused: %(code)s %(reply)s")
            % {"sender": exc.sender, "code": exc.smtp_code, "reply": _text(exc.smtp_error)},
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return _by_code(
            exc.smtp_code,
            _("The server answered %(code)s %(reply)s")
            % {"code": exc.smtp_code, "reply": _text(exc.smtp_error)},
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected) and "timed out" in str(exc):
        return _Failure(_("The server did not answer in time."), permanent=False)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return _Failure(_("The server closed the connection: %(error)s") % {"error": exc}, permanent=False)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _Failure(
            _("The server's certificate is not valid: %(error)s") % {"error": exc.verify_message or exc},
            permanent=True,
        )
    if isinstance(exc, ssl.SSLError):
        return _Failure(_("TLS failed: %(error)s") % {"error": exc.reason or exc}, permanent=False)
    if isinstance(exc, socket.gaierror):
        return _Failure(_("The host name could not be resolved: %(error)s") % {"error": exc}, permanent=False)
    if isinstance(exc, TimeoutError | socket.timeout):
        return _Failure(_("The server did not answer in time."), permanent=False)
    if isinstance(exc, ConnectionRefusedError):
        return _Failure(_("Connection refused."), permanent=False)
    if isinstance(exc, OSError | smtplib.SMTPException):
        return _Failure(f"{type(exc).__name__}: {exc}", permanent=False)
    return _Failure(f"{type(exc).__name__}: {exc}", permanent=False)


def _context(settings: SmtpSettings) -> ssl.SSLContext:
    return settings.ssl_context or ssl.create_default_context()


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if not settings.host:
        raise _Failure(_("No SMTP server is configured."), permanent=True)
    if settings.security not in {"ssl", "starttls", "none"}:
        raise _Failure(
            _("Unknown security mode “%(mode)s”.") % {"mode": settings.security[:20]}, permanent=True
        )
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=_context(settings)
        )
    return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)


def _starttls(client: smtplib.SMTP, settings: SmtpSettings) -> None:
    client.ehlo()
    if not client.has_extn("starttls"):
        raise _Failure(_("The server does not offer STARTTLS."), permanent=True)
    client.starttls(context=_context(settings))
    client.ehlo()


def _login(client: smtplib.SMTP, settings: SmtpSettings) -> None:
    if settings.username:
        client.ehlo_or_helo_if_needed()
        if not client.has_extn("auth"):
            raise _Failure(_("The server does not offer login (AUTH)."), permanent=True)
        credentials = settings.username + settings.password
        if credentials.isascii() or "plain" not in client.esmtp_features.get("auth", "").lower().split():
            client.login(settings.username, settings.password)
            return
        # smtplib encodes credentials as ASCII; AUTH PLAIN is UTF-8 (RFC 4616), so send it ourselves.
        token = base64.b64encode(f"\0{settings.username}\0{settings.password}".encode()).decode("ascii")
        code, reply = client.docmd("AUTH", f"PLAIN {token}")
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, reply)


def _quit(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _recipients(message: EmailMessage) -> list[str]:
    fields = [str(v) for name in ("To", "Cc", "Bcc") for v in message.get_all(name, [])]
    return [address for _name, address in getaddresses(fields) if address]


def _sender(settings: SmtpSettings, message: EmailMessage) -> str:
    if settings.sender:
        return settings.sender
    found = getaddresses([str(v) for v in message.get_all("From", [])])
    return found[0][1] if found else ""


def send(settings: SmtpSettings, message: EmailMessage, *, recipients: Sequence[str] = ()) -> SendResult:
    """Deliver ``message`` to the server (recipients: To/Cc/Bcc unless given); never raises for mail trouble."""
    to = list(recipients) or _recipients(message)
    if not to:
        return SendResult(ok=False, permanent=True, detail=_("The message has no recipient."))
    client: smtplib.SMTP | None = None
    try:
        client = _connect(settings)
        if settings.security == "starttls":
            _starttls(client, settings)
        _login(client, settings)
        del message["Bcc"]
        refused = client.send_message(message, from_addr=_sender(settings, message), to_addrs=to)
    except Exception as exc:  # noqa: BLE001 - every failure is reported, not raised
        failure = _classify(exc)
        return SendResult(ok=False, permanent=failure.permanent, code=failure.code, detail=failure.detail)
    finally:
        if client is not None:
            _quit(client)
    return SendResult(
        ok=True,
        code=250,
        refused={address: f"{code} {_text(reply)}" for address, (code, reply) in refused.items()},
    )


def test_connection(settings: SmtpSettings) -> list[Check]:
    """Connect, secure, greet, log in and offer the sender, reporting each step; stops at the first failure."""
    try:
        client = _connect(settings)
    except Exception as exc:  # noqa: BLE001 - the failing step is the answer
        return [Check(step="connect", ok=False, detail=_classify(exc).detail)]
    checks = [
        Check(
            step="connect",
            ok=True,
            detail=_("Connected to %(host)s:%(port)s.") % {"host": settings.host, "port": settings.port},
        )
    ]
    steps: tuple[tuple[str, Callable[[smtplib.SMTP, SmtpSettings], str]], ...] = (
        ("tls", _check_tls),
        ("ehlo", _check_ehlo),
        ("login", _check_login),
        ("sender", _check_sender),
    )
    try:
        for name, action in steps:
            try:
                checks.append(Check(step=name, ok=True, detail=action(client, settings)))
            except Exception as exc:  # noqa: BLE001 - the failing step is the answer
                checks.append(Check(step=name, ok=False, detail=_classify(exc).detail))
                break
    finally:
        _quit(client)
    return checks


def _check_tls(client: smtplib.SMTP, settings: SmtpSettings) -> str:
    if settings.security == "starttls":
        _starttls(client, settings)
    elif settings.security == "none":
        return _("No encryption (allowed for loopback and tests only).")
    sock = client.sock
    version = sock.version() if isinstance(sock, ssl.SSLSocket) else None
    return _("Encrypted with %(version)s.") % {"version": version or "TLS"}


def _check_ehlo(client: smtplib.SMTP, settings: SmtpSettings) -> str:
    code, reply = client.ehlo()
    if not 200 <= code < 300:
        raise _by_code(code, _("EHLO answered %(code)s %(reply)s") % {"code": code, "reply": _text(reply)})
    first_line = (_text(reply).splitlines() or [""])[0]
    return _("The server greets: %(reply)s") % {"reply": first_line[:200]}


def _check_login(client: smtplib.SMTP, settings: SmtpSettings) -> str:
    if not settings.username:
        return _("No user name: sending without login.")
    _login(client, settings)
    return _("Logged in as %(user)s.") % {"user": settings.username}


def _check_sender(client: smtplib.SMTP, settings: SmtpSettings) -> str:
    address = settings.sender
    if not address:
        return _("No sender address to check.")
    code, reply = client.mail(address)
    client.rset()
    if not 200 <= code < 300:
        raise _by_code(
            code,
            _("Sender %(sender)s refused: %(code)s %(reply)s")
            % {"sender": address, "code": code, "reply": _text(reply)},
        )
    return _("The server accepts mail from %(sender)s.") % {"sender": address}
