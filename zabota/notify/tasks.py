"""Sending notifications by email and Telegram, with retries and backoff.

Idempotency: a delivery is claimed with a conditional UPDATE (``queued`` -> ``sending``) before anything is
sent and marked ``sent`` by a second conditional UPDATE afterwards, so a delivery that is ``sent`` is never sent
again and two workers never send the same delivery at once. The one window left is a crash between the
outside service accepting the message and the ``sent`` UPDATE: the claim then expires after ``CLAIM_LEASE`` and
the delivery is sent once more (at least once, never lost).

Retries: a failure worth retrying (network, 5xx, SMTP trouble) puts the delivery back to ``queued`` with its
error and raises, so ``reliable_task`` re-enqueues it with backoff and, after ``MAX_ATTEMPTS``, keeps it in the
dead-letter list where an administrator can retry it. Telegram's "429 retry after N s" is honoured directly.
A failure that retrying cannot fix (chat not found, no bot token, no address) marks the delivery ``failed``
with the error, which the agent sees on the preferences page.
"""

from __future__ import annotations

import html
import logging
import smtplib
from datetime import datetime, timedelta

from django.core.mail import send_mail
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from zabota.core.reliable import reliable_task
from zabota.notify import telegram
from zabota.notify.conf import absolute_url, bot_token, telegram_api_url, telegram_timeout
from zabota.notify.models import (
    Channel,
    DeliveryStatus,
    NotificationDelivery,
    NotificationPreference,
    Severity,
)

logger = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 6
_MARKS: dict[str, str] = {Severity.CRITICAL: "🔴", Severity.WARNING: "⚠️", Severity.INFO: "🔔"}


class DeliveryFailure(Exception):
    def __init__(self, message: str, *, retryable: bool, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message[:1000]
        self.retryable = retryable
        self.retry_after = retry_after


@reliable_task(queue_name="default", max_attempts=MAX_ATTEMPTS, max_backoff_seconds=3600)
def deliver_notification(*, store_id: int, delivery_id: int) -> str:
    """Send one delivery; safe to run any number of times."""
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    # ``failed`` is claimable so that a retry from the dead-letter list or the agent's page sends it.
    claimable = Q(status__in=[DeliveryStatus.QUEUED, DeliveryStatus.FAILED]) & due
    stale = Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE)
    claimed = (
        NotificationDelivery.objects.filter(pk=delivery_id)
        .filter(claimable | stale)
        .update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now)
    )
    if not claimed:
        return _not_claimed(store_id, delivery_id)
    delivery = NotificationDelivery.objects.select_related("store", "notification__agent__user").get(
        pk=delivery_id
    )
    try:
        with translation.override(delivery.store.locale):
            _send(delivery)
    except DeliveryFailure as exc:
        return _failed(delivery, claimed_at=now, failure=exc)
    except Exception as exc:  # a bug or an unexpected library error: keep the delivery, retry later
        _failed(
            delivery, claimed_at=now, failure=DeliveryFailure(f"{type(exc).__name__}: {exc}", retryable=True)
        )
        raise
    NotificationDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING, claimed_at=now).update(
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
        last_error="",
        next_attempt_at=None,
        updated_at=timezone.now(),
    )
    return DeliveryStatus.SENT


def _not_claimed(store_id: int, delivery_id: int) -> str:
    """Already sent or failed, waiting for its retry time, or being sent by another worker right now."""
    row = NotificationDelivery.objects.filter(pk=delivery_id).values("status", "claimed_at").first()
    if row is None:
        return "missing"
    if row["status"] == DeliveryStatus.SENDING and row["claimed_at"] is not None:
        # If that worker died, pick the delivery up when its claim expires.
        run_after: datetime = row["claimed_at"] + CLAIM_LEASE + timedelta(seconds=1)
        deliver_notification.using(run_after=run_after).enqueue(store_id=store_id, delivery_id=delivery_id)
        return "busy"
    return str(row["status"])


def _failed(delivery: NotificationDelivery, *, claimed_at: datetime, failure: DeliveryFailure) -> str:
    """Record the failure; raise when ``reliable_task`` should retry, schedule Telegram's own retry time.

    After ``MAX_ATTEMPTS`` the row says ``failed`` and the raised error puts the task in the dead-letter list.
    """
    now = timezone.now()
    exhausted = delivery.attempts >= MAX_ATTEMPTS
    status = DeliveryStatus.QUEUED if failure.retryable and not exhausted else DeliveryStatus.FAILED
    next_attempt_at = None
    if status == DeliveryStatus.QUEUED and failure.retry_after:
        next_attempt_at = now + timedelta(seconds=failure.retry_after)
    NotificationDelivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_at=claimed_at
    ).update(status=status, last_error=failure.message, next_attempt_at=next_attempt_at, updated_at=now)
    if next_attempt_at is not None:
        deliver_notification.using(run_after=next_attempt_at).enqueue(
            store_id=delivery.store_id, delivery_id=delivery.pk
        )
        return str(status)
    if failure.retryable:
        raise failure
    return str(status)


def _send(delivery: NotificationDelivery) -> None:
    if delivery.channel == Channel.EMAIL:
        _send_email(delivery)
    elif delivery.channel == Channel.TELEGRAM:
        _send_telegram(delivery)
    else:
        raise DeliveryFailure(f"unknown channel {delivery.channel}", retryable=False)


def _send_email(delivery: NotificationDelivery) -> None:
    notification = delivery.notification
    address = notification.agent.user.email
    if not address:
        raise DeliveryFailure(_("The agent's user account has no email address."), retryable=False)
    lines = [notification.title]
    if notification.body:
        lines += ["", notification.body]
    link = absolute_url(notification.url)
    if link:
        lines += ["", link]
    subject = f"[{delivery.store.name}] {notification.title}"
    try:
        send_mail(subject, "\n".join(lines), None, [address], fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryFailure(f"SMTP refused {address}: {exc.recipients}", retryable=False) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailure(f"SMTP: {type(exc).__name__}: {exc}", retryable=True) from None


def telegram_text(*, title: str, body: str, url: str, severity: str) -> str:
    """The message in Telegram's HTML parse mode: escaped text, a mark for the severity, the link."""
    parts = [f"{_MARKS.get(severity, '🔔')} <b>{html.escape(title, quote=False)}</b>"]
    if body:
        parts.append(html.escape(body[:3000], quote=False))
    link = absolute_url(url)
    if link:
        parts.append(f'<a href="{html.escape(link)}">{html.escape(_("Open in Zabota"), quote=False)}</a>')
    return "\n".join(parts)


def _send_telegram(delivery: NotificationDelivery) -> None:
    notification = delivery.notification
    token = bot_token(delivery.store)
    if not token:
        raise DeliveryFailure(_("The store has no Telegram bot token."), retryable=False)
    preference = NotificationPreference.objects.filter(agent_id=notification.agent_id).first()
    chat_id = preference.telegram_chat_id if preference is not None else ""
    if not chat_id:
        raise DeliveryFailure(_("The agent has no Telegram chat id."), retryable=False)
    text = telegram_text(
        title=notification.title, body=notification.body, url=notification.url, severity=notification.severity
    )
    try:
        telegram.send_message(
            token=token, chat_id=chat_id, text=text, api_url=telegram_api_url(), timeout=telegram_timeout()
        )
    except telegram.TelegramError as exc:
        message = exc.description if exc.code is None else f"{exc.code}: {exc.description}"
        raise DeliveryFailure(message, retryable=exc.retryable, retry_after=exc.retry_after) from None
