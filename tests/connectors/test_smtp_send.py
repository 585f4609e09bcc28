"""smtp.send against a real aiosmtpd server on loopback: delivery, refusals, errors."""

from __future__ import annotations

import socket
import threading
from email.message import EmailMessage

import pytest

from tests.connectors._smtp_helpers import (
    PASSWORD,
    USER,
    free_port,
    message,
    server,  # noqa: F401 - fixtures
    server_send,
)
from zabota.connectors.email import smtp
from zabota.connectors.email.parse import parse_email


def test_plain_send_delivers_the_exact_message(server):  # noqa: F811
    result = server_send(server)

    assert result == smtp.SendResult(ok=True, code=250)
    [got] = server.recorder.received
    assert got.mail_from == "support@shop.ru"
    assert got.rcpt_tos == ["ivan@example.ru"]
    parsed = parse_email(got.content)
    assert parsed.message_id == "zb.1.9.aa@shop.ru"
    assert parsed.in_reply_to == "q1@mail.ru"
    assert parsed.text.strip() == "Ваш заказ в пути."


def test_envelope_sender_is_the_mailbox_address_when_set(server):  # noqa: F811
    smtp.send(server.settings(sender="bounces@shop.ru"), message())

    assert server.recorder.received[0].mail_from == "bounces@shop.ru"


def test_login_with_the_right_password(server):  # noqa: F811
    result = server_send(server, username=USER, password=PASSWORD)

    assert result.ok is True
    assert len(server.recorder.received) == 1


def test_wrong_password_is_permanent(server):  # noqa: F811
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
def test_refused_recipient_is_classified_by_code(server, reply, permanent, code):  # noqa: F811
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


def test_one_refused_recipient_of_two_is_reported_but_the_message_is_sent(server):  # noqa: F811
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
def test_refused_data_is_classified_by_code(server, reply, permanent, code):  # noqa: F811
    server.recorder.data_replies.append(reply)

    result = server_send(server)

    assert (result.ok, result.permanent, result.code) == (False, permanent, code)
    assert result.detail == f"The server answered {reply}"


def test_refused_sender_is_classified_by_code(server):  # noqa: F811
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


def test_message_without_recipient_is_permanent(server):  # noqa: F811
    bare = EmailMessage()
    bare["From"] = "support@shop.ru"
    bare.set_content("x")

    result = smtp.send(server.settings(), bare)

    assert (result.ok, result.permanent, result.detail) == (False, True, "The message has no recipient.")


def test_bcc_is_delivered_but_not_written_into_the_message(server):  # noqa: F811
    mail = message()
    mail["Bcc"] = "archive@shop.ru"

    assert smtp.send(server.settings(), mail).ok is True

    [got] = server.recorder.received
    assert got.rcpt_tos == ["ivan@example.ru", "archive@shop.ru"]
    assert b"archive@shop.ru" not in got.content
