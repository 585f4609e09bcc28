"""Agents' replies by email: queue, send with retries, delivery status, bounces.

``reply`` calls `queue_email` inside its transaction for a conversation of the email channel. The reply
gets our Message-ID as ``external_id`` (so the customer's answer threads back by ``In-Reply-To``), the
mailbox it goes out through in ``meta["mailbox_id"]`` and ``delivery_status = queued``; after commit the
`send_email` task builds the MIME (`connectors.email.compose`) and hands it to the mailbox's SMTP server
(`connectors.email.smtp`). A store without a usable mailbox gets the reply saved and marked ``failed``
with the reason, never lost.

Delivery status: ``queued`` → ``sent`` | ``failed``; later ``bounced`` when a bounce names our Message-ID.
Each change is a ``DELIVERY_CHANGED`` event and a ``message.delivery_changed`` realtime event.
Temporary failures (4xx, network) keep the reply ``queued`` with the last error and are retried with
backoff (``reliable_task``: 30 s, 1, 2, 4 … 60 min); the last attempt, or a permanent failure (5xx,
login, configuration), marks it ``failed``. An agent can send a failed or bounced reply again.

Idempotency: the task claims the message (``meta["sending_at"]``) under a row lock before it talks to the
server and re-checks the status, so a sent reply is never sent again and two workers never send one
reply at once. A worker that dies mid-send leaves a claim that expires after ``CLAIM_LEASE``; the reply is
then sent again with the same Message-ID (at least once, never lost; clients fold the duplicate).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from zabota.connectors.email import smtp
from zabota.connectors.email.compose import compose, domain_of, make_message_id
from zabota.connectors.models import Mailbox
from zabota.conversations._email_outbound_compose import THREAD_LOOKBACK as _THREAD_LOOKBACK
from zabota.conversations._email_outbound_compose import outbound as _outbound
from zabota.conversations._email_outbound_compose import recipient as _recipient
from zabota.conversations.actions._common import check_can_work, record_event
from zabota.conversations.models import (
    Channel,
    Conversation,
    DeliveryStatus,
    Direction,
    EventType,
    Message,
)
from zabota.core import realtime
from zabota.core.errors import InvalidInput
from zabota.core.reliable import reliable_task
from zabota.stores.actors import Actor
from zabota.stores.models import Store

logger = logging.getLogger(__name__)

__all__ = ["MAX_ATTEMPTS", "mailbox_for", "mark_bounced", "queue_email", "retry_email", "send_email"]

MAX_ATTEMPTS = 8
CLAIM_LEASE = timedelta(minutes=5)
_MAX_ERROR = 2000
SYSTEM = Actor.system("email")


class TemporarySendError(Exception):
    """Raised so that ``reliable_task`` sends the reply again later."""


def mailbox_for(conversation: Conversation) -> Mailbox | None:
    """The mailbox the customer last wrote to, else the store's first active one; it must have SMTP."""
    usable = Mailbox.objects.for_store(conversation.store_id).active().exclude(smtp_host="")
    metas = (
        Message.objects.for_store(conversation.store_id)
        .filter(conversation=conversation, direction=Direction.INBOUND)
        .order_by("-created_at", "-id")
        .values_list("meta", flat=True)[:_THREAD_LOOKBACK]
    )
    for meta in metas:
        mailbox_id = meta.get("mailbox_id") if isinstance(meta, dict) else None
        if isinstance(mailbox_id, int):
            found = usable.filter(pk=mailbox_id).first()
            if found is not None:
                return found
            break
    return usable.order_by("id").first()


def queue_email(message: Message) -> None:
    """Mark an outbound reply for sending (call inside the reply's transaction); sent after commit."""
    conversation = message.conversation
    mailbox = mailbox_for(conversation)
    if mailbox is None:
        _change(
            message,
            to=DeliveryStatus.FAILED,
            error=_(
                "Not sent: the store has no active mailbox with an SMTP server. "
                "Add one in the email settings, then send the reply again."
            ),
        )
        return
    message.external_id = make_message_id(
        store_id=message.store_id, message_pk=message.pk, domain=domain_of(mailbox.address)
    )
    message.meta = {**message.meta, "mailbox_id": mailbox.pk, "send_attempts": 0}
    message.delivery_status = DeliveryStatus.QUEUED
    message.delivery_error = ""
    message.save(update_fields=["external_id", "meta", "delivery_status", "delivery_error"])
    _enqueue_after_commit(message)


def _enqueue_after_commit(message: Message) -> None:
    store_id, message_id = message.store_id, message.pk
    transaction.on_commit(lambda: send_email.enqueue(store_id=store_id, message_id=message_id))


@reliable_task(queue_name="default", max_attempts=MAX_ATTEMPTS, max_backoff_seconds=3600)
def send_email(*, store_id: int, message_id: int) -> str:
    """Send one queued reply; safe to run any number of times."""
    now = timezone.now()
    claimed = _claim(store_id=store_id, message_id=message_id, now=now)
    if not isinstance(claimed, Message):
        return claimed
    message = claimed
    attempt = int(message.meta.get("send_attempts", 1))
    locale = Store.objects.filter(pk=store_id).values_list("locale", flat=True).first()
    try:
        with translation.override(locale or None):
            result = _deliver(message)
    except Exception as exc:  # a bug or an unexpected error: keep the reply queued and retry
        logger.exception("sending email message %s failed", message_id)
        result = smtp.SendResult(ok=False, detail=f"{type(exc).__name__}: {exc}")
    with translation.override(locale or None):
        return _settle(message, result, attempt=attempt, claimed_at=now)


def _claim(*, store_id: int, message_id: int, now: datetime) -> Message | str:
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(pk=message_id, store_id=store_id, direction=Direction.OUTBOUND)
            .first()
        )
        if message is None:
            return "missing"
        if message.delivery_status != DeliveryStatus.QUEUED:
            return str(message.delivery_status)
        sending_at = _parse_time(message.meta.get("sending_at"))
        if sending_at is not None and sending_at > now - CLAIM_LEASE:
            run_after = sending_at + CLAIM_LEASE + timedelta(seconds=1)
            transaction.on_commit(
                lambda: send_email.using(run_after=run_after).enqueue(
                    store_id=store_id, message_id=message_id
                )
            )
            return "busy"
        attempts = int(message.meta.get("send_attempts", 0)) + 1
        message.meta = {**message.meta, "sending_at": now.isoformat(), "send_attempts": attempts}
        message.save(update_fields=["meta"])
    return message


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _deliver(message: Message) -> smtp.SendResult:
    conversation = Conversation.objects.select_related("store", "customer").get(pk=message.conversation_id)
    mailbox = _mailbox_of(message, conversation)
    if mailbox is None:
        return smtp.SendResult(
            ok=False, permanent=True, detail=_("The store has no active mailbox with an SMTP server.")
        )
    recipient = _recipient(conversation)
    if not recipient:
        return smtp.SendResult(ok=False, permanent=True, detail=_("The customer has no email address."))
    try:
        mime = compose(_outbound(message, conversation, mailbox, recipient))
    except ValueError as exc:
        return smtp.SendResult(ok=False, permanent=True, detail=str(exc))
    return smtp.send(smtp.SmtpSettings.from_mailbox(mailbox), mime)


def _mailbox_of(message: Message, conversation: Conversation) -> Mailbox | None:
    mailbox_id = message.meta.get("mailbox_id")
    usable = Mailbox.objects.for_store(message.store_id).active().exclude(smtp_host="")
    mailbox = usable.filter(pk=mailbox_id).first() if isinstance(mailbox_id, int) else None
    return mailbox or mailbox_for(conversation)


def _settle(message: Message, result: smtp.SendResult, *, attempt: int, claimed_at: datetime) -> str:
    """Record the outcome; raise `TemporarySendError` when ``reliable_task`` should try again."""
    with transaction.atomic():
        current = Message.objects.select_for_update().filter(pk=message.pk).first()
        if current is None or current.delivery_status != DeliveryStatus.QUEUED:
            return "changed"  # deleted, or an agent acted meanwhile
        if current.meta.get("sending_at") != claimed_at.isoformat():
            return "reclaimed"  # our claim expired and another worker took the reply over
        meta = {k: v for k, v in current.meta.items() if k != "sending_at"}
        if result.ok:
            meta["sent_at"] = timezone.now().isoformat()
            if result.refused:
                meta["refused"] = result.refused
            current.meta = meta
            _change(current, to=DeliveryStatus.SENT, error="", extra_fields=["meta"])
            return str(DeliveryStatus.SENT)
        if result.permanent or attempt >= MAX_ATTEMPTS:
            error = result.detail
            if not result.permanent:
                error = _("Gave up after %(count)s attempts. Last error: %(error)s") % {
                    "count": attempt,
                    "error": result.detail,
                }
            current.meta = meta
            _change(current, to=DeliveryStatus.FAILED, error=error, extra_fields=["meta"])
            return str(DeliveryStatus.FAILED)
        current.meta = meta
        current.delivery_error = (
            _("Attempt %(attempt)s of %(count)s failed, will retry: %(error)s")
            % {"attempt": attempt, "count": MAX_ATTEMPTS, "error": result.detail}
        )[:_MAX_ERROR]
        current.save(update_fields=["meta", "delivery_error"])
        _publish(current)
    raise TemporarySendError(result.detail)


def _change(message: Message, *, to: str, error: str, extra_fields: list[str] | None = None) -> None:
    """Set the delivery status, record the event, announce it after commit."""
    before = message.delivery_status
    message.delivery_status = to
    message.delivery_error = error[:_MAX_ERROR]
    message.save(update_fields=["delivery_status", "delivery_error", *(extra_fields or [])])
    conversation = Conversation.objects.get(pk=message.conversation_id)
    record_event(
        conversation=conversation,
        type=EventType.DELIVERY_CHANGED,
        by=SYSTEM,
        payload={"message_id": message.pk, "from": before, "to": to, "error": message.delivery_error[:300]},
    )
    _publish(message)


def _publish(message: Message) -> None:
    store_id = message.store_id
    payload = {
        "conversation_id": message.conversation_id,
        "message_id": message.pk,
        "status": message.delivery_status,
        "error": message.delivery_error[:300],
    }
    transaction.on_commit(lambda: realtime.publish(store_id, "message.delivery_changed", "agents", payload))


def mark_bounced(
    *,
    reason: str,
    message: Message | None = None,
    store_id: int | None = None,
    message_id: str | None = None,
) -> bool:
    """A bounce came back for one of our emails (by the Message or by ``store_id`` + its Message-ID).

    Returns whether an outbound email message was found; marking it twice records one event.
    """
    if message is None:
        if store_id is None or not message_id:
            return False
        message = (
            Message.objects.with_external_ids(
                store_id, {Channel.EMAIL.value}, {message_id.strip().strip("<>")}
            )
            .filter(direction=Direction.OUTBOUND)
            .first()
        )
        if message is None:
            return False
    with transaction.atomic():
        current = (
            Message.objects.select_for_update().filter(pk=message.pk, direction=Direction.OUTBOUND).first()
        )
        if current is None:
            return False
        error = reason.strip() or _("The recipient's server returned the email.")
        if current.delivery_status == DeliveryStatus.BOUNCED and current.delivery_error == error[:_MAX_ERROR]:
            return True
        _change(current, to=DeliveryStatus.BOUNCED, error=error)
    return True


def retry_email(*, message: Message, by: Actor) -> Message:
    """Send a failed or bounced email reply again (a new round of attempts, same Message-ID)."""
    conversation = Conversation.objects.get(pk=message.conversation_id)
    check_can_work(by, conversation)
    if message.direction != Direction.OUTBOUND or message.channel != Channel.EMAIL:
        raise InvalidInput(_("Only email replies can be sent again."), field="message")
    with transaction.atomic():
        current = Message.objects.select_for_update().get(pk=message.pk)
        if current.delivery_status not in {DeliveryStatus.FAILED, DeliveryStatus.BOUNCED}:
            raise InvalidInput(_("This reply is not waiting to be sent again."), field="message")
        before = current.delivery_status
        if not current.external_id:  # it failed before it had a mailbox: queue it from the start
            if mailbox_for(conversation) is None:
                raise InvalidInput(_("The store has no active mailbox with an SMTP server."), field="message")
            queue_email(current)
            _record_retry(conversation, current, before=before, by=by)
            return current
        current.meta = {k: v for k, v in current.meta.items() if k != "sending_at"}
        current.meta["send_attempts"] = 0
        current.delivery_status = DeliveryStatus.QUEUED
        current.delivery_error = ""
        current.save(update_fields=["meta", "delivery_status", "delivery_error"])
        _record_retry(conversation, current, before=before, by=by)
        _enqueue_after_commit(current)
    return current


def _record_retry(conversation: Conversation, message: Message, *, before: str, by: Actor) -> None:
    record_event(
        conversation=conversation,
        type=EventType.DELIVERY_CHANGED,
        by=by,
        payload={"message_id": message.pk, "from": before, "to": DeliveryStatus.QUEUED, "error": ""},
    )
    _publish(message)
