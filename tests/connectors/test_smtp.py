"""smtp.send and smtp.test_connection against a real aiosmtpd server on loopback (plain, STARTTLS, SSL)."""

from __future__ import annotations

import importlib.util
import shutil
import socket
import ssl
import subprocess
import threading
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
from zabota.connectors.email.parse import parse_email

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


# --- send --------------------------------------------------------------------------------------------


def test_plain_send_delivers_the_exact_message(server):
    result = server_send(server)

    assert result == smtp.SendResult(ok=True, code=250)
    [got] = server.recorder.received
    assert got.mail_from == "support@shop.ru"
    assert got.rcpt_tos == ["ivan@example.ru"]
    parsed = parse_email(got.content)
    assert parsed.message_id == "zb.1.9.aa@shop.ru"
    assert parsed.in_reply_to == "q1@mail.ru"
    assert parsed.text.strip() == "Ваш заказ в пути."


def server_send(server: SmtpServer, **settings: Any) -> smtp.SendResult:
    return smtp.send(server.settings(**settings), message())


def test_envelope_sender_is_the_mailbox_address_when_set(server):
    smtp.send(server.settings(sender="bounces@shop.ru"), message())

    assert server.recorder.received[0].mail_from == "bounces@shop.ru"


def test_login_with_the_right_password(server):
    result = server_send(server, username=USER, password=PASSWORD)

    assert result.ok is True
    assert len(server.recorder.received) == 1


def test_wrong_password_is_permanent(server):
    result = server_send(server, username=USER, password="wrong")

    assert (result.ok, result.permanent, result.code) == (False, True, 535)
    assert result.detail.startswith("Login refused: 535")
    assert server.recorder.received == []


@pytest.mark.parametrize(
    ("reply", "permanent", "code"),
    [
        ("550 5.1.1 No such user", True, 550),
        ("553 5.1.3 Bad address", True, 553),
        ("451 4.7.1 Greylisted, try later", False, 451),
        ("452 4.2.2 Mailbox full", False, 452),
    ],
    ids=["550", "553", "451", "452"],
)
def test_refused_recipient_is_classified_by_code(server, reply, permanent, code):
    server.recorder.rcpt_replies["ivan@example.ru"] = reply

    result = server_send(server)

    assert (result.ok, result.permanent, result.temporary, result.code) == (
        False,
        permanent,
        not permanent,
        code,
    )
    assert result.detail == f"Recipient refused: ivan@example.ru: {reply}"
    assert server.recorder.received == []


def test_one_refused_recipient_of_two_is_reported_but_the_message_is_sent(server):
    server.recorder.rcpt_replies["gone@example.ru"] = "550 5.1.1 No such user"

    result = smtp.send(server.settings(), message(), recipients=["ivan@example.ru", "gone@example.ru"])

    assert result.ok is True
    assert result.refused == {"gone@example.ru": "550 5.1.1 No such user"}
    assert server.recorder.received[0].rcpt_tos == ["ivan@example.ru"]


@pytest.mark.parametrize(
    ("reply", "permanent", "code"),
    [("554 5.7.1 Spam detected", True, 554), ("451 4.3.0 Try again later", False, 451)],
    ids=["554", "451"],
)
def test_refused_data_is_classified_by_code(server, reply, permanent, code):
    server.recorder.data_replies.append(reply)

    result = server_send(server)

    assert (result.ok, result.permanent, result.code) == (False, permanent, code)
    assert result.detail == f"The server answered {reply}"


def test_refused_sender_is_classified_by_code(server):
    server.recorder.mail_replies["support@shop.ru"] = "553 5.7.1 Sender not allowed"

    result = server_send(server)

    assert (result.ok, result.permanent, result.code) == (False, True, 553)
    assert result.detail == "Sender support@shop.ru refused: 553 5.7.1 Sender not allowed"


def test_refused_connection_is_temporary():
    result = smtp.send(
        smtp.SmtpSettings(host="127.0.0.1", port=free_port(), security="none", timeout=2), message()
    )

    assert (result.ok, result.permanent, result.code) == (False, False, None)
    assert result.detail == "Connection refused."


def test_silent_server_times_out_temporarily():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]

        result = smtp.send(
            smtp.SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=0.5), message()
        )

    assert (result.ok, result.permanent) == (False, False)
    assert result.detail == "The server did not answer in time."


def test_dropped_connection_is_temporary():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]

        def greet_and_hang_up() -> None:
            conn, _addr = listener.accept()
            conn.sendall(b"220 hello\r\n")
            conn.close()

        thread = threading.Thread(target=greet_and_hang_up)
        thread.start()
        result = smtp.send(
            smtp.SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=2), message()
        )
        thread.join()

    assert (result.ok, result.permanent) == (False, False)
    assert result.detail.startswith("The server closed the connection")


@pytest.mark.parametrize(
    ("settings", "detail"),
    [
        (smtp.SmtpSettings(host="", port=25), "No SMTP server is configured."),
        (smtp.SmtpSettings(host="127.0.0.1", port=25, security="tls13"), "Unknown security mode “tls13”."),
    ],
    ids=["no-host", "bad-mode"],
)
def test_configuration_errors_are_permanent(settings, detail):
    result = smtp.send(settings, message())

    assert (result.ok, result.permanent, result.detail) == (False, True, detail)


def test_message_without_recipient_is_permanent(server):
    bare = EmailMessage()
    bare["From"] = "support@shop.ru"
    bare.set_content("x")

    result = smtp.send(server.settings(), bare)

    assert (result.ok, result.permanent, result.detail) == (False, True, "The message has no recipient.")


def test_bcc_is_delivered_but_not_written_into_the_message(server):
    mail = message()
    mail["Bcc"] = "archive@shop.ru"

    assert smtp.send(server.settings(), mail).ok is True

    [got] = server.recorder.received
    assert got.rcpt_tos == ["ivan@example.ru", "archive@shop.ru"]
    assert b"archive@shop.ru" not in got.content


# --- TLS ---------------------------------------------------------------------------------------------


def test_starttls_with_login_delivers(starttls_server):
    result = smtp.send(
        starttls_server.settings(security="starttls", username=USER, password=PASSWORD), message()
    )

    assert result.ok is True
    assert len(starttls_server.recorder.received) == 1


def test_server_that_requires_starttls_refuses_plain_mail(starttls_server):
    result = smtp.send(starttls_server.settings(security="none"), message())

    assert (result.ok, result.permanent, result.code) == (False, True, 530)
    assert starttls_server.recorder.received == []


def test_starttls_asked_of_a_server_without_it_is_permanent(server):
    result = server_send(server, security="starttls")

    assert (result.ok, result.permanent, result.detail) == (
        False,
        True,
        "The server does not offer STARTTLS.",
    )


def test_implicit_ssl_delivers(ssl_server):
    result = smtp.send(ssl_server.settings(security="ssl", username=USER, password=PASSWORD), message())

    assert result.ok is True
    assert len(ssl_server.recorder.received) == 1


def test_untrusted_certificate_is_permanent(ssl_server):
    result = smtp.send(
        ssl_server.settings(security="ssl", ssl_context=ssl.create_default_context()), message()
    )

    assert (result.ok, result.permanent) == (False, True)
    assert result.detail.startswith("The server's certificate is not valid: ")
    assert ssl_server.recorder.received == []


# --- test_connection ------------------------------------------------------------------------------------


def test_connection_check_passes_every_step_over_starttls(starttls_server):
    checks = smtp.test_connection(
        starttls_server.settings(
            security="starttls", username=USER, password=PASSWORD, sender="support@shop.ru"
        )
    )

    assert [(c.step, c.ok) for c in checks] == [
        ("connect", True),
        ("tls", True),
        ("ehlo", True),
        ("login", True),
        ("sender", True),
    ]
    assert checks[0].detail == f"Connected to 127.0.0.1:{starttls_server.port}."
    assert checks[1].detail in {"Encrypted with TLSv1.3.", "Encrypted with TLSv1.2."}
    assert checks[3].detail == f"Logged in as {USER}."
    assert checks[4].detail == "The server accepts mail from support@shop.ru."
    assert starttls_server.recorder.received == []


def test_connection_check_stops_at_the_wrong_password(server):
    checks = smtp.test_connection(server.settings(username=USER, password="wrong", sender="support@shop.ru"))

    assert [(c.step, c.ok) for c in checks] == [
        ("connect", True),
        ("tls", True),
        ("ehlo", True),
        ("login", False),
    ]
    assert checks[1].detail == "No encryption (allowed for loopback and tests only)."
    assert checks[3].detail.startswith("Login refused: 535")


def test_connection_check_reports_a_refused_sender(server):
    server.recorder.mail_replies["support@shop.ru"] = "550 5.7.1 Not your domain"

    checks = smtp.test_connection(server.settings(sender="support@shop.ru"))

    assert checks[-1] == smtp.Check(
        step="sender", ok=False, detail="Sender support@shop.ru refused: 550 5.7.1 Not your domain"
    )
    assert checks[-2] == smtp.Check(step="login", ok=True, detail="No user name: sending without login.")


def test_connection_check_reports_an_unreachable_server():
    checks = smtp.test_connection(smtp.SmtpSettings(host="127.0.0.1", port=free_port(), security="none"))

    assert checks == [smtp.Check(step="connect", ok=False, detail="Connection refused.")]


def test_connection_check_reports_an_untrusted_certificate(ssl_server):
    checks = smtp.test_connection(
        ssl_server.settings(security="ssl", ssl_context=ssl.create_default_context())
    )

    assert [(c.step, c.ok) for c in checks] == [("connect", False)]
    assert checks[0].detail.startswith("The server's certificate is not valid: ")


def test_settings_from_a_mailbox():
    @dataclass
    class Box:
        address: str = "support@shop.ru"
        smtp_host: str = "smtp.shop.ru"
        smtp_port: int = 587
        smtp_security: str = "starttls"
        smtp_username: str = "u"
        smtp_password: str = "p"

    settings = smtp.SmtpSettings.from_mailbox(Box(), timeout=7)

    assert settings == smtp.SmtpSettings(
        host="smtp.shop.ru",
        port=587,
        security="starttls",
        username="u",
        password="p",
        sender="support@shop.ru",
        timeout=7,
    )
