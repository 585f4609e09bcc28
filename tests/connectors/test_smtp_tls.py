"""smtp.send over STARTTLS and implicit SSL against a real aiosmtpd server on loopback."""

from __future__ import annotations

import ssl

from tests.connectors._smtp_helpers import (  # noqa: F401 - fixtures
    PASSWORD,
    USER,
    certificate,
    message,
    server,
    server_send,
    ssl_server,
    starttls_server,
)
from zabota.connectors.email import smtp


def test_starttls_with_login_delivers(starttls_server):  # noqa: F811
    result = smtp.send(
        starttls_server.settings(security="starttls", username=USER, password=PASSWORD), message()
    )

    assert result.ok is True
    assert len(starttls_server.recorder.received) == 1


def test_server_that_requires_starttls_refuses_plain_mail(starttls_server):  # noqa: F811
    result = smtp.send(starttls_server.settings(security="none"), message())

    assert (result.ok, result.permanent, result.code) == (False, True, 530)
    assert starttls_server.recorder.received == []


def test_starttls_asked_of_a_server_without_it_is_permanent(server):  # noqa: F811
    result = server_send(server, security="starttls")

    assert (result.ok, result.permanent, result.detail) == (
        False,
        True,
        "The server does not offer STARTTLS.",
    )


def test_implicit_ssl_delivers(ssl_server):  # noqa: F811
    result = smtp.send(ssl_server.settings(security="ssl", username=USER, password=PASSWORD), message())

    assert result.ok is True
    assert len(ssl_server.recorder.received) == 1


def test_untrusted_certificate_is_permanent(ssl_server):  # noqa: F811
    result = smtp.send(
        ssl_server.settings(security="ssl", ssl_context=ssl.create_default_context()), message()
    )

    assert (result.ok, result.permanent) == (False, True)
    assert result.detail.startswith("The server's certificate is not valid: ")
    assert ssl_server.recorder.received == []
