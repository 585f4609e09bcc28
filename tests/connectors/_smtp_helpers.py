"""Shared aiosmtpd server, certificates, fixtures and message builders for the SMTP tests."""

from __future__ import annotations

import importlib.util
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from zabota.connectors.email import smtp
from zabota.connectors.email.compose import OutboundEmail, compose

USER, PASSWORD = "support@shop.ru", "s3cret-пароль"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps what it receives and answers chosen codes where told to."""

    received: list[Received] = field(default_factory=list)
    mail_replies: dict[str, str] = field(default_factory=dict)
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_replies: list[str] = field(default_factory=list)  # consumed one per DATA, then 250

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address in self.mail_replies:
            return self.mail_replies[address]
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.data_replies:
            return self.data_replies.pop(0)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class SmtpServer:
    recorder: Recorder
    port: int
    cafile: str | None = None

    def settings(self, **overrides: Any) -> smtp.SmtpSettings:
        values: dict[str, Any] = {"host": "127.0.0.1", "port": self.port, "security": "none", "timeout": 5}
        if self.cafile:
            values["ssl_context"] = ssl.create_default_context(cafile=self.cafile)
        values.update(overrides)
        return smtp.SmtpSettings(**values)


def start_server(**controller_kwargs: Any) -> tuple[Controller, SmtpServer]:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, **controller_kwargs)
    controller.start()
    return controller, SmtpServer(recorder=recorder, port=port)


def self_signed_certificate(directory: Path) -> tuple[str, str] | None:
    """(cert, key) for 127.0.0.1 / localhost, made with ``cryptography`` if installed, else ``openssl``."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    if importlib.util.find_spec("cryptography") is not None:
        _certificate_with_cryptography(cert, key)
        return str(cert), str(key)
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    subprocess.run(  # noqa: S603 - fixed arguments, test helper
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


def _certificate_with_cryptography(cert_path: Path, key_path: Path) -> None:
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    made = self_signed_certificate(tmp_path_factory.mktemp("tls"))
    if made is None:
        pytest.skip(
            "neither the cryptography package nor the openssl command is available to make a certificate"
        )
    return made


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    controller, running = start_server(authenticator=authenticate, auth_require_tls=False)
    yield running
    controller.stop()


@pytest.fixture
def starttls_server(certificate: tuple[str, str]) -> Iterator[SmtpServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    controller, running = start_server(
        tls_context=context, require_starttls=True, authenticator=authenticate, auth_require_tls=True
    )
    running.cafile = certificate[0]
    yield running
    controller.stop()


@pytest.fixture
def ssl_server(certificate: tuple[str, str]) -> Iterator[SmtpServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    controller, running = start_server(
        ssl_context=context, authenticator=authenticate, auth_require_tls=False
    )
    running.cafile = certificate[0]
    yield running
    controller.stop()


def message(to: str = "ivan@example.ru", **overrides: Any) -> EmailMessage:
    values: dict[str, Any] = {
        "from_address": "support@shop.ru",
        "from_name": "Магазин",
        "to_address": to,
        "subject": "Re: Заказ [#4]",
        "text": "Ваш заказ в пути.",
        "message_id": "zb.1.9.aa@shop.ru",
        "in_reply_to": "q1@mail.ru",
    }
    values.update(overrides)
    return compose(OutboundEmail(**values))


def server_send(server: SmtpServer, **settings: Any) -> smtp.SendResult:
    return smtp.send(server.settings(**settings), message())
