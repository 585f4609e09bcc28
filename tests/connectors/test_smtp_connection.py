"""smtp.test_connection against a real aiosmtpd server on loopback."""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from tests.connectors._smtp_helpers import (  # noqa: F401 - fixtures
    PASSWORD,
    USER,
    certificate,
    free_port,
    server,
    ssl_server,
    starttls_server,
)
from zabota.connectors.email import smtp


def test_connection_check_passes_every_step_over_starttls(starttls_server):  # noqa: F811
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


def test_connection_check_stops_at_the_wrong_password(server):  # noqa: F811
    checks = smtp.test_connection(server.settings(username=USER, password="wrong", sender="support@shop.ru"))

    assert [(c.step, c.ok) for c in checks] == [
        ("connect", True),
        ("tls", True),
        ("ehlo", True),
        ("login", False),
    ]
    assert checks[1].detail == "No encryption (allowed for loopback and tests only)."
    assert checks[3].detail.startswith("Login refused: 535")


def test_connection_check_reports_a_refused_sender(server):  # noqa: F811
    server.recorder.mail_replies["support@shop.ru"] = "550 5.7.1 Not your domain"

    checks = smtp.test_connection(server.settings(sender="support@shop.ru"))

    assert checks[-1] == smtp.Check(
        step="sender", ok=False, detail="Sender support@shop.ru refused: 550 5.7.1 Not your domain"
    )
    assert checks[-2] == smtp.Check(step="login", ok=True, detail="No user name: sending without login.")


def test_connection_check_reports_an_unreachable_server():
    checks = smtp.test_connection(smtp.SmtpSettings(host="127.0.0.1", port=free_port(), security="none"))

    assert checks == [smtp.Check(step="connect", ok=False, detail="Connection refused.")]


def test_connection_check_reports_an_untrusted_certificate(ssl_server):  # noqa: F811
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
