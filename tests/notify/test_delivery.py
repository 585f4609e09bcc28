"""Delivery tasks: Telegram against a local Bot API, email through the locmem backend, retries, idempotency."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tests.notify.conftest import BOT_TOKEN, CHAT_ID, FakeTelegram, wants
from zabota.notify import tasks
from zabota.notify.actions import notify
from zabota.notify.models import NotificationDelivery
from zabota.notify.tasks import CLAIM_LEASE, MAX_ATTEMPTS, deliver_notification

BREACH = {
    "kind": "sla.breached",
    "title": "Первый ответ просрочен: №12 <срочно>",
    "body": "Покупатель ждёт & нервничает.",
    "url": "/c/12/",
    "severity": "critical",
    "dedupe_key": "sla:12:first_response:0:breached",
}


@pytest.fixture(autouse=True)
def _english_store(db, store):
    # Alerts are written in the store's language; these tests read the English source strings.
    store.locale = "en"
    store.save(update_fields=["locale"])


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.ZABOTA_BASE_URL = "https://help.example.ru"


def _telegram_delivery(store, agent, chat_id: str = CHAT_ID) -> NotificationDelivery:
    wants(agent, telegram=True, telegram_chat_id=chat_id)
    notify(store_id=store.pk, agent_ids=[agent.pk], **BREACH)
    return NotificationDelivery.objects.get()


def _email_delivery(store, agent) -> NotificationDelivery:
    agent.user.email = "olga@example.ru"
    agent.user.save()
    wants(agent, email=True)
    notify(store_id=store.pk, agent_ids=[agent.pk], **BREACH)
    return NotificationDelivery.objects.get()


def _run(delivery: NotificationDelivery):
    return deliver_notification.call(store_id=delivery.store_id, delivery_id=delivery.pk)


def test_telegram_message_is_sent_once(telegram_store, agent, fake_telegram, enqueued):
    # given
    delivery = _telegram_delivery(telegram_store, agent)
    # when
    first = _run(delivery)
    second = _run(delivery)
    # then
    assert (first, second) == ("sent", "sent")
    assert fake_telegram.sent == [
        {
            "chat_id": CHAT_ID,
            "text": "🔴 <b>Первый ответ просрочен: №12 &lt;срочно&gt;</b>\n"
            "Покупатель ждёт &amp; нервничает.\n"
            '<a href="https://help.example.ru/c/12/">Open in Zabota</a>',
            "parse_mode": "HTML",
            "disable_web_page_preview": True,
        }
    ]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    assert delivery.sent_at is not None
    assert enqueued == []


def test_chat_not_found_fails_with_the_error_visible_and_no_retry(
    telegram_store, agent, fake_telegram, enqueued
):
    delivery = _telegram_delivery(telegram_store, agent, chat_id="777")

    assert _run(delivery) == "failed"

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        "failed",
        1,
        "400: Bad Request: chat not found",
    )
    assert enqueued == []


def test_server_error_is_retried_with_backoff_then_sent(telegram_store, agent, fake_telegram, enqueued):
    # given
    delivery = _telegram_delivery(telegram_store, agent)
    fake_telegram.fail_next(502, "Bad Gateway")
    before = timezone.now()
    # when
    outcome = _run(delivery)
    # then: queued again with the error, and the task re-enqueued 30 s later
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("queued", 1, "502: Bad Gateway")
    assert outcome["retry"] == 2
    [retry] = enqueued
    assert retry.kwargs["delivery_id"] == delivery.pk
    assert before + timedelta(seconds=29) < retry.task.run_after < timezone.now() + timedelta(seconds=31)
    # when the retry runs
    assert deliver_notification.call(**retry.kwargs) == "sent"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    assert len(fake_telegram.sent) == 1


def test_too_many_requests_waits_as_telegram_asks(telegram_store, agent, fake_telegram, enqueued):
    delivery = _telegram_delivery(telegram_store, agent)
    fake_telegram.fail_next(429, "Too Many Requests: retry after 7", retry_after=7)

    assert _run(delivery) == "queued"

    delivery.refresh_from_db()
    [retry] = enqueued
    assert retry.task.run_after == delivery.next_attempt_at
    assert timedelta(seconds=6) < delivery.next_attempt_at - timezone.now() <= timedelta(seconds=7)
    # a stray run before that time sends nothing
    assert _run(delivery) == "queued"
    assert fake_telegram.sent == []


def test_wrong_bot_token_fails_without_showing_the_token(telegram_store, agent, settings, enqueued):
    # given a Bot API that knows another token
    fake = FakeTelegram(token="987654321:BBHanotherTokenForTests_zyxwvutsrqp")
    settings.ZABOTA_TELEGRAM_API_URL = fake.url
    try:
        delivery = _telegram_delivery(telegram_store, agent)
        # when
        assert _run(delivery) == "failed"
    finally:
        fake.close()
    # then
    delivery.refresh_from_db()
    assert delivery.last_error == "401: Unauthorized"
    assert fake.requests == [f"/bot{BOT_TOKEN}/sendMessage"]


def test_unreachable_telegram_is_retried(telegram_store, agent, settings, enqueued):
    # given a port nobody listens on
    fake = FakeTelegram()
    fake.close()
    settings.ZABOTA_TELEGRAM_API_URL = fake.url
    delivery = _telegram_delivery(telegram_store, agent)
    # when
    _run(delivery)
    # then
    delivery.refresh_from_db()
    assert delivery.status == "queued"
    assert delivery.last_error.startswith("could not reach Telegram: ")
    assert BOT_TOKEN not in delivery.last_error
    assert len(enqueued) == 1


def test_no_bot_token_fails_clearly(store, agent, fake_telegram):
    delivery = _telegram_delivery(store, agent)

    assert _run(delivery) == "failed"

    delivery.refresh_from_db()
    assert delivery.last_error == "The store has no Telegram bot token."
    assert fake_telegram.requests == []


def test_last_attempt_marks_the_delivery_failed(telegram_store, agent, fake_telegram, enqueued):
    delivery = _telegram_delivery(telegram_store, agent)
    NotificationDelivery.objects.filter(pk=delivery.pk).update(attempts=MAX_ATTEMPTS - 1)
    fake_telegram.fail_next(500, "Internal Server Error")

    _run(delivery)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        "failed",
        MAX_ATTEMPTS,
        "500: Internal Server Error",
    )


def test_a_delivery_being_sent_by_another_worker_is_left_alone(
    telegram_store, agent, fake_telegram, enqueued
):
    # given another worker claimed it a moment ago
    delivery = _telegram_delivery(telegram_store, agent)
    claimed_at = timezone.now() - timedelta(seconds=5)
    NotificationDelivery.objects.filter(pk=delivery.pk).update(status="sending", claimed_at=claimed_at)
    # when
    outcome = _run(delivery)
    # then: nothing sent, and a check is scheduled for when that claim expires (in case that worker died)
    assert outcome == "busy"
    assert fake_telegram.sent == []
    [check] = enqueued
    assert check.task.run_after == claimed_at + CLAIM_LEASE + timedelta(seconds=1)


def test_a_claim_left_by_a_killed_worker_is_taken_over(telegram_store, agent, fake_telegram, enqueued):
    # given a worker died while sending (its claim is older than the lease)
    delivery = _telegram_delivery(telegram_store, agent)
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        status="sending", attempts=1, claimed_at=timezone.now() - CLAIM_LEASE - timedelta(seconds=1)
    )
    # when
    assert _run(delivery) == "sent"
    # then
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(fake_telegram.sent)) == ("sent", 2, 1)


def test_email_through_the_configured_backend(store, agent):
    # given
    delivery = _email_delivery(store, agent)
    # when
    assert _run(delivery) == "sent"
    assert _run(delivery) == "sent"
    # then
    [message] = mail.outbox
    assert message.subject == "[Пример] Первый ответ просрочен: №12 <срочно>"
    assert message.to == ["olga@example.ru"]
    assert message.body == (
        "Первый ответ просрочен: №12 <срочно>\n\nПокупатель ждёт & нервничает.\n\nhttps://help.example.ru/c/12/"
    )


def test_email_without_an_address_fails(store, agent):
    delivery = _email_delivery(store, agent)
    agent.user.email = ""
    agent.user.save()

    assert _run(delivery) == "failed"

    delivery.refresh_from_db()
    assert delivery.last_error == "The agent's user account has no email address."
    assert mail.outbox == []


def test_smtp_trouble_is_retried(store, agent, monkeypatch, enqueued):
    delivery = _email_delivery(store, agent)

    def broken(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(tasks, "send_mail", broken)

    _run(delivery)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (
        "queued",
        "SMTP: SMTPServerDisconnected: Connection unexpectedly closed",
    )
    assert len(enqueued) == 1


def test_refused_recipient_is_not_retried(store, agent, monkeypatch, enqueued):
    delivery = _email_delivery(store, agent)

    def refused(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"olga@example.ru": (550, b"no such user")})

    monkeypatch.setattr(tasks, "send_mail", refused)

    assert _run(delivery) == "failed"
    delivery.refresh_from_db()
    assert delivery.last_error.startswith("SMTP refused olga@example.ru")
    assert enqueued == []


def test_unknown_delivery_is_harmless(store):
    assert deliver_notification.call(store_id=store.pk, delivery_id=987654) == "missing"
