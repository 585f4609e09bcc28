"""classify(): bounces, auto-replies, bulk mail and loops; SenderRateLimit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from zabota.connectors.email.autoreply import (
    Classification,
    SenderRateLimit,
    classify,
    parse_delivery_status,
)
from zabota.connectors.email.parse import parse_email

MIME_DIR = Path(__file__).parent / "data" / "mime"
OURS = ["support@uyut-shop.ru"]


def classify_fixture(name: str) -> Classification:
    return classify(parse_email((MIME_DIR / name).read_bytes()))


def classify_built(body: str = "Здравствуйте!", **headers: str) -> Classification:
    message = EmailMessage()
    message["From"] = "Клиент <client@example.ru>"
    message["To"] = "support@uyut-shop.ru"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return classify(parse_email(message.as_bytes()), own_addresses=OURS)


@pytest.mark.parametrize(
    ("name", "message_id", "recipients", "status"),
    [
        ("27_bounce_postfix.eml", "reply-27@uyut-shop.ru", ("nobody@example.org",), "5.1.1"),
        ("28_bounce_exim.eml", "reply-28@uyut-shop.ru", ("gone@closed.example",), "5.0.0"),
        ("29_bounce_yandex.eml", "reply-29@uyut-shop.ru", ("nobody@yandex.ru",), "5.1.1"),
        ("30_bounce_gmail.eml", "reply-30@uyut-shop.ru", ("no.such.user.xyz@gmail.com",), "5.1.1"),
    ],
    ids=["postfix", "exim", "yandex", "gmail"],
)
def test_delivery_status_bounces(name, message_id, recipients, status):
    result = classify_fixture(name)

    assert (result.kind, result.reason) == ("bounce", "delivery status notification: failed")
    assert result.bounced_message_id == message_id
    assert result.failed_recipients == recipients
    assert result.status == status
    assert result.may_auto_answer is False


def test_postfix_diagnostic_is_unfolded():
    assert classify_fixture("27_bounce_postfix.eml").diagnostic == (
        "smtp; 550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown"
    )


def test_bounce_without_a_report_part_finds_the_original_in_the_body():
    result = classify_fixture("31_bounce_plain_no_dsn.eml")

    assert result == Classification(
        kind="bounce",
        reason="bounce without a delivery report: Недоставленное сообщение",
        bounced_message_id="reply-31@uyut-shop.ru",
        failed_recipients=("lost@inbox.ru",),
    )


def test_delay_report_is_not_a_bounce():
    result = classify_fixture("36_dsn_delayed.eml")

    assert (result.kind, result.reason) == ("auto_reply", "delivery status notification: delayed")
    assert result.bounced_message_id is None


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("32_autoreply_exchange.eml", "Auto-Submitted: auto-generated"),
        ("33_autoreply_yandex.eml", "Auto-Submitted: auto-replied"),
        ("34_autoreply_subject_only.eml", "subject: Abwesenheitsnotiz: Ihre Bestellung"),
        ("39_read_receipt_mdn.eml", "read receipt (disposition notification)"),
    ],
    ids=["exchange", "yandex", "german-subject", "read-receipt"],
)
def test_auto_reply_fixtures(name, reason):
    assert classify_fixture(name) == Classification(kind="auto_reply", reason=reason)


def test_newsletter_is_list_mail():
    assert classify_fixture("35_list_newsletter.eml") == Classification(
        kind="list", reason="list-id: Marketplace news <news.marketplace.example>"
    )


@pytest.mark.parametrize(
    "name",
    [
        path.name
        for path in sorted(MIME_DIR.glob("*.eml"))
        if int(path.name[:2]) <= 26 or path.name[:2] in {"37", "38", "40"}
    ],
)
def test_customer_mail_is_normal(name):
    assert classify_fixture(name) == Classification(kind="normal", reason="")


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto_Submitted": "auto-replied; owner-email=x@y"}, "Auto-Submitted: auto-replied"),
        ({"Auto_Submitted": "Auto-Generated"}, "Auto-Submitted: auto-generated"),
        ({"X_Autoreply": "yes"}, "x-autoreply: yes"),
        ({"X_Autorespond": "On vacation"}, "x-autorespond: On vacation"),
        ({"X_Auto_Response_Suppress": "OOF, AutoReply"}, "X-Auto-Response-Suppress: oof, autoreply"),
        ({"Precedence": "auto_reply"}, "Precedence: auto_reply"),
        ({"Subject": "Автоответ: Re: заказ"}, "subject: Автоответ: Re: заказ"),
        ({"Subject": "Auto: заказ"}, "subject: Auto: заказ"),
        ({"Subject": "Automatic reply: Order 5"}, "subject: Automatic reply: Order 5"),
        ({"Subject": "Out of Office: Order 5"}, "subject: Out of Office: Order 5"),
        ({"Subject": "Нет на месте"}, "subject: Нет на месте"),
        ({"Subject": "Я в отпуске до 20.03"}, "subject: Я в отпуске до 20.03"),
        ({"Subject": "Réponse automatique : commande"}, "subject: Réponse automatique : commande"),
        ({"Subject": "Автоматический ответ: Счёт"}, "subject: Автоматический ответ: Счёт"),
    ],
    ids=lambda value: next(iter(value.values())) if isinstance(value, dict) else None,
)
def test_auto_reply_signals(headers, reason):
    assert classify_built(**headers) == Classification(kind="auto_reply", reason=reason)


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "no"},
        {"Subject": "Re: автоответ вашего магазина не работает"},
        {"Subject": "Out of stock?"},
        {"X_Auto_Response_Suppress": "DR, RN, NRN"},
        {"Precedence": "first-class"},
    ],
    ids=[
        "auto-submitted-no",
        "autoreply-mid-subject",
        "out-of-stock",
        "suppress-receipts-only",
        "precedence-other",
    ],
)
def test_not_auto_replies(headers):
    assert classify_built(**headers).kind == "normal"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Precedence": "bulk"}, "Precedence: bulk"),
        ({"Precedence": "junk"}, "Precedence: junk"),
        ({"Precedence": "list"}, "Precedence: list"),
        ({"List_Unsubscribe": "<mailto:u@example.ru>"}, "list-unsubscribe: <mailto:u@example.ru>"),
    ],
    ids=["bulk", "junk", "list", "list-unsubscribe"],
)
def test_bulk_signals(headers, reason):
    assert classify_built(**headers) == Classification(kind="list", reason=reason)


def test_mail_from_our_own_address_is_a_loop():
    message = EmailMessage()
    message["From"] = "Магазин <Support@UYUT-SHOP.RU>"
    message.set_content("x")

    result = classify(parse_email(message.as_bytes()), own_addresses=OURS)

    assert result == Classification(
        kind="loop_suspect", reason="sent from our own address support@uyut-shop.ru"
    )


def test_x_loop_naming_us_is_a_loop():
    assert classify_built(X_Loop="support@uyut-shop.ru") == Classification(
        kind="loop_suspect", reason="X-Loop: support@uyut-shop.ru"
    )


def test_too_many_hops_is_a_loop():
    raw = b"".join(b"Received: from h%d by h%d\r\n" % (i, i + 1) for i in range(31))
    raw += b"From: a@example.ru\r\nSubject: hi\r\n\r\nbody\r\n"

    assert classify(parse_email(raw)) == Classification(kind="loop_suspect", reason="31 Received hops")


def test_mailer_daemon_without_bounce_subject_is_still_automatic():
    message = EmailMessage()
    message["From"] = "MAILER-DAEMON@mx.example.ru"
    message["Subject"] = "Warning: message queued"
    message.set_content("x")

    assert classify(parse_email(message.as_bytes())) == Classification(
        kind="auto_reply", reason="sent by MAILER-DAEMON@mx.example.ru"
    )


def test_parse_delivery_status_reads_every_recipient():
    per_message, reports = parse_delivery_status(
        "Reporting-MTA: dns; mx.example\n\n"
        "Final-Recipient: rfc822; A@Example.org\nAction: failed\nStatus: 5.2.2 (mailbox full)\n\n"
        "Final-Recipient: rfc822; b@example.org\nAction: delayed\nStatus: 4.4.1\n"
        "Diagnostic-Code: smtp; 451 try\n later\n"
    )

    assert per_message == {"reporting-mta": "dns; mx.example"}
    assert [(r.recipient, r.action, r.status, r.diagnostic, r.failed) for r in reports] == [
        ("A@example.org", "failed", "5.2.2", None, True),
        ("b@example.org", "delayed", "4.4.1", "smtp; 451 try later", False),
    ]


NOW = datetime(2024, 3, 8, 12, 0, tzinfo=UTC)


def test_rate_limit_allows_up_to_the_limit_in_the_window():
    limit = SenderRateLimit(max_messages=3, per_seconds=600)
    history = {"client@example.ru": [NOW - timedelta(minutes=1), NOW - timedelta(minutes=5)]}

    assert limit.allow("Client@EXAMPLE.ru", NOW, history) is True
    history["client@example.ru"].append(NOW - timedelta(seconds=10))
    assert limit.allow("client@example.ru", NOW, history) is False
    assert limit.recent("client@example.ru", NOW, history) == 3


def test_rate_limit_forgets_messages_outside_the_window_and_other_senders():
    limit = SenderRateLimit(max_messages=1, per_seconds=60)
    history = {
        "client@example.ru": [NOW - timedelta(seconds=60), NOW - timedelta(hours=1)],
        "other@example.ru": [NOW],
    }

    assert limit.allow("client@example.ru", NOW, history) is True
    assert limit.allow("nobody@example.ru", NOW, history) is True
    assert limit.allow("other@example.ru", NOW, history) is False


@pytest.mark.parametrize(("count", "seconds"), [(0, 60), (1, 0), (-1, 10)])
def test_rate_limit_rejects_nonsense(count, seconds):
    with pytest.raises(ValueError, match="max_messages >= 1"):
        SenderRateLimit(max_messages=count, per_seconds=seconds)
