"""Inbound email: store the raw bytes, then turn them into a message in the right conversation.

Nothing lost: `store_raw_email` keeps the bytes before anything parses them; `process_raw_email`
never raises for a bad email (it marks the row ``failed`` with the reason, for admins, and the
poller moves on). Nothing doubled: a Message-ID already received is ``ignored``; IMAP UIDs are
stored per UIDVALIDITY and the cursor advances only after the row is committed.

Threading, first match wins: ``In-Reply-To`` / ``References`` against the Message-IDs we received
and sent → a reply token in ``To`` / ``Cc`` / ``Delivered-To`` → a ``[#123]`` subject tag, only
when the sender is that conversation's customer → a new conversation. The found conversation then
goes through the shared rule (`threading.continue_or_link`): one closed longer than the store's
reopen window is not reopened; a new one is opened, linked to it by ``previous``. Email does not
use the bulk inbound path (`actions.inbound_batch`): one message at a time, each in its own
transaction.

Bounces mark the delivery status of the message they return (`email_outbound.mark_bounced`) and
become no message; auto-replies and list mail become messages flagged in ``meta["kind"]`` (never
answered automatically); a sender over ``Mailbox.max_messages_per_sender_per_hour`` is ignored.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from zabota.connectors.email import imap
from zabota.connectors.email.inbound import EmailInbound, EmailParseError, external_id_of, to_inbound
from zabota.connectors.email.tokens import read_token
from zabota.connectors.models import ImapCursor, Mailbox, RawEmail, RawEmailStatus
from zabota.conversations.actions.messages import follow_merges, open_conversation, receive_message
from zabota.conversations.email_outbound import mark_bounced
from zabota.conversations.models import Channel, Conversation, Direction, Message
from zabota.conversations.threading import continue_or_link
from zabota.core.errors import DomainError, NotFound
from zabota.customers.actions import resolve_identity
from zabota.customers.models import Customer
from zabota.stores.actors import Actor
from zabota.stores.models import Store

logger = logging.getLogger(__name__)

POLL_JOB_NAME = "email.poll_mailboxes"
POLL_BATCH = 200  # messages fetched per mailbox per poll; the rest come next time
RATE_WINDOW = timedelta(hours=1)
_MAX_ERROR = 2000


# --- storing ---------------------------------------------------------------------------------------


def store_raw_email(
    *,
    mailbox: Mailbox,
    raw: bytes,
    source: str,
    imap_folder: str = "",
    imap_uidvalidity: int | None = None,
    imap_uid: int | None = None,
) -> RawEmail:
    """Keep the bytes as received (idempotent per IMAP UID); nothing is parsed here."""
    raw = bytes(raw)
    fields: dict[str, Any] = {
        "store_id": mailbox.store_id,
        "mailbox": mailbox,
        "source": source,
        "raw": raw,
        "size": len(raw),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "imap_folder": imap_folder,
        "imap_uidvalidity": imap_uidvalidity,
        "imap_uid": imap_uid,
    }
    if imap_uid is None:
        return RawEmail.objects.create(**fields)
    try:
        with transaction.atomic():
            return RawEmail.objects.create(**fields)
    except IntegrityError:
        return RawEmail.objects.get(
            mailbox=mailbox, imap_folder=imap_folder, imap_uidvalidity=imap_uidvalidity, imap_uid=imap_uid
        )


# --- processing ------------------------------------------------------------------------------------


def process_raw_email(raw_email_id: int, *, force: bool = False) -> RawEmail:
    """Turn a stored email into a message; never raises for a bad email (the row says what failed).

    A processed row is left alone; an ignored one only with ``force`` (an admin's "process again",
    which also lifts the per-sender rate limit).
    """
    try:
        with transaction.atomic():
            raw = (
                RawEmail.objects.select_for_update(of=("self",))
                .select_related("store", "mailbox")
                .get(pk=raw_email_id)
            )
            if raw.status == RawEmailStatus.PROCESSED or (raw.status == RawEmailStatus.IGNORED and not force):
                return raw
            _process(raw, force=force)
            return raw
    except RawEmail.DoesNotExist:
        raise NotFound(_("No such email.")) from None
    except DomainError as exc:
        error = f"{exc.code}: {exc.message}"
    except Exception as exc:  # never lose the email, never stop the poller
        logger.exception("raw email %s could not be processed", raw_email_id)
        error = f"{type(exc).__name__}: {exc}"
    RawEmail.objects.filter(pk=raw_email_id).update(
        status=RawEmailStatus.FAILED, error=error[:_MAX_ERROR], processed_at=timezone.now()
    )
    return RawEmail.objects.get(pk=raw_email_id)


def _finish(raw: RawEmail, status: str, *, error: str = "", message_pk: int | None = None) -> None:
    raw.status = status
    raw.error = error[:_MAX_ERROR]
    raw.message_pk = message_pk
    raw.processed_at = timezone.now()
    raw.save(update_fields=["status", "error", "message_pk", "processed_at", "message_id", "sender", "kind"])


def _process(raw: RawEmail, *, force: bool) -> None:
    store = raw.store
    own = list(Mailbox.objects.for_store(store).values_list("address", flat=True))
    try:
        email = to_inbound(
            bytes(raw.raw),
            own_addresses=own,
            allowed_types=settings.ZABOTA_ALLOWED_ATTACHMENT_TYPES,
            max_attachment_bytes=settings.ZABOTA_MAX_ATTACHMENT_BYTES,
            max_chars=settings.ZABOTA_MAX_MESSAGE_CHARS,
            empty_text=_("(empty email)"),
        )
    except EmailParseError as exc:
        _finish(raw, RawEmailStatus.FAILED, error=f"{exc.code}: {exc.message}")
        return
    raw.message_id = email.parsed.message_id[:998]
    raw.sender = email.sender[:254]
    raw.kind = email.classification.kind
    kind = email.classification
    if kind.kind == "loop_suspect":
        _finish(raw, RawEmailStatus.IGNORED, error=f"loop: {kind.reason}")
        return
    duplicate = _known_message(store, [email.inbound.external_id])
    if duplicate is not None:
        _finish(raw, RawEmailStatus.IGNORED, error="duplicate Message-ID", message_pk=duplicate.pk)
        return
    if kind.kind == "bounce":
        _finish(raw, RawEmailStatus.IGNORED, error=_bounce(store, email))
        return
    if not email.sender:
        _finish(raw, RawEmailStatus.FAILED, error="no sender address (From)")
        return
    if not force and _over_rate_limit(raw, email.sender):
        _finish(raw, RawEmailStatus.IGNORED, error="rate limit: too many emails from this sender this hour")
        return
    message = _deliver(store, raw.mailbox, email)
    _finish(raw, RawEmailStatus.PROCESSED, message_pk=message.pk)


def _known_message(store: Store, external_ids: list[str]) -> Message | None:
    """The newest message with one of these Message-IDs, received or sent by us: both keep theirs
    as ``external_id`` (`inbound.external_id_of`), so the lookup uses the unique index."""
    if not external_ids:
        return None
    return (
        Message.objects.with_external_ids(store, {Channel.EMAIL.value}, set(external_ids))
        .public()
        .order_by("-created_at", "-id")
        .first()
    )


def _over_rate_limit(raw: RawEmail, sender: str) -> bool:
    limit = raw.mailbox.max_messages_per_sender_per_hour if raw.mailbox else 0
    if not limit:
        return False
    since = raw.received_at - RATE_WINDOW
    earlier = RawEmail.objects.filter(
        store_id=raw.store_id, sender=sender, received_at__gte=since, pk__lt=raw.pk
    ).count()
    return earlier >= limit


def _bounce(store: Store, email: EmailInbound) -> str:
    kind = email.classification
    bounced_id = kind.bounced_message_id
    message = _known_message(store, [external_id_of(bounced_id)]) if bounced_id else None
    if message is None or message.direction != Direction.OUTBOUND:
        return f"bounce of an unknown message: {bounced_id or '?'}"[:_MAX_ERROR]
    reason = (
        " ".join(
            part
            for part in (kind.status or "", kind.diagnostic or "", ", ".join(kind.failed_recipients))
            if part
        )
        or kind.reason
    )
    mark_bounced(message=message, reason=reason)
    return f"bounce of message #{message.pk}: {reason}"


def _find_conversation(store: Store, email: EmailInbound, customer: Customer) -> Conversation | None:
    """Headers, then reply token, then ``[#123]`` of the customer; ``None`` means a new thread."""
    known = _known_message(store, list(email.thread_ids))
    if known is not None:
        return known.conversation
    for token in email.tokens:
        conversation_id = read_token(token, store_id=store.pk)
        if conversation_id is not None:
            found = Conversation.objects.filter(store=store, pk=conversation_id).first()
            if found is not None:
                return found
    if email.number is not None:
        return Conversation.objects.filter(store=store, number=email.number, customer=customer).first()
    return None


def _deliver(store: Store, mailbox: Mailbox | None, email: EmailInbound) -> Message:
    inbound = email.inbound
    customer, _created = resolve_identity(
        store=store, kind="email", value=inbound.identity_value, name=inbound.sender_name
    )
    by = Actor.customer(inbound.sender_name or inbound.identity_value)
    candidate = _find_conversation(store, email, customer)
    conversation, previous = continue_or_link(follow_merges(candidate), store=store, now=timezone.now())
    if conversation is None:
        conversation = open_conversation(
            store=store,
            customer=customer,
            channel=Channel.EMAIL,
            by=by,
            subject=inbound.subject or inbound.text[:120],
            previous=previous,
        )
    message = receive_message(
        store=store,
        customer=customer,
        channel=Channel.EMAIL,
        text=inbound.text,
        html=inbound.html,
        subject=inbound.subject,
        external_id=inbound.external_id,
        attachments=inbound.attachments,
        sent_at=inbound.sent_at,
        by=by,
        conversation=conversation,
    )
    message.meta = {**message.meta, **email.meta, "mailbox_id": mailbox.pk if mailbox else None}
    # `parse` sanitised the HTML already, keeping data-remote-src / data-cid for "show images"
    message.html = inbound.html
    message.save(update_fields=["meta", "html"])
    return message


# --- polling ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PollResult:
    stored: int
    processed: int
    failed: int
    error: str = ""


def imap_settings(mailbox: Mailbox) -> imap.ImapSettings:
    return imap.ImapSettings(
        host=mailbox.imap_host,
        port=mailbox.imap_port,
        security=mailbox.imap_security,
        username=mailbox.imap_username,
        password=mailbox.imap_password,
        folder=mailbox.imap_folder or "INBOX",
        timeout=float(settings.ZABOTA_IMAP_TIMEOUT_SECONDS),
    )


def _fetch_new(mailbox: Mailbox, connection_settings: imap.ImapSettings, limit: int) -> int:
    """Store new mail of the folder; the cursor moves with each committed row. Returns how many."""
    folder = connection_settings.folder
    stored = 0
    with imap.open_session(connection_settings) as session:
        uidvalidity = session.select(folder)
        cursor, _created = ImapCursor.objects.get_or_create(
            mailbox=mailbox, folder=folder, defaults={"uidvalidity": uidvalidity}
        )
        if cursor.uidvalidity != uidvalidity:
            # the server renumbered the folder: read it again; Message-IDs keep out duplicates
            logger.warning("mailbox %s: UIDVALIDITY of %s changed, rereading", mailbox.pk, folder)
            cursor.uidvalidity, cursor.last_uid = uidvalidity, 0
            cursor.save(update_fields=["uidvalidity", "last_uid", "updated_at"])
        for uid in session.uids_after(cursor.last_uid)[:limit]:
            data = session.fetch(uid)
            with transaction.atomic():
                if data is not None:
                    store_raw_email(
                        mailbox=mailbox,
                        raw=data,
                        source="imap",
                        imap_folder=folder,
                        imap_uidvalidity=uidvalidity,
                        imap_uid=uid,
                    )
                    stored += 1
                cursor.last_uid = uid
                cursor.save(update_fields=["last_uid", "updated_at"])
    return stored


def poll_mailbox(
    mailbox_id: int, *, limit: int = POLL_BATCH, connection_settings: imap.ImapSettings | None = None
) -> PollResult:
    """Fetch new mail of one mailbox, then process every stored row of it (also ones a crash left)."""
    mailbox = Mailbox.objects.select_related("store").get(pk=mailbox_id)
    error = ""
    stored = 0
    if mailbox.imap_host:
        try:
            stored = _fetch_new(mailbox, connection_settings or imap_settings(mailbox), limit)
        except imap.ImapError as exc:
            error = str(exc)
            logger.warning("mailbox %s: %s", mailbox.pk, error)
    pending = list(
        RawEmail.objects.filter(mailbox=mailbox, status=RawEmailStatus.STORED)
        .order_by("id")
        .values_list("id", flat=True)
    )
    processed = failed = 0
    for pk in pending:
        row = process_raw_email(pk)
        if row.status == RawEmailStatus.FAILED:
            failed += 1
        else:
            processed += 1
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=timezone.now(), last_error=error[:_MAX_ERROR])
    return PollResult(stored=stored, processed=processed, failed=failed, error=error)


def due_mailboxes(now: datetime) -> list[int]:
    """Active IMAP mailboxes whose poll interval has passed since their last poll."""
    due: list[int] = []
    rows = (
        Mailbox.objects.active()
        .exclude(imap_host="")
        .values_list("id", "last_polled_at", "poll_interval_seconds")
    )
    for pk, last, interval in rows.order_by("id"):
        if last is None or last + timedelta(seconds=max(interval, 1)) <= now:
            due.append(pk)
    return due


def poll_mailboxes(*, now: datetime | None = None) -> int:
    """Poll every due mailbox; one mailbox's failure never stops the others. Returns how many ran."""
    ran = 0
    for pk in due_mailboxes(now or timezone.now()):
        try:
            poll_mailbox(pk)
        except Exception:
            logger.exception("mailbox %s: poll failed", pk)
            Mailbox.objects.filter(pk=pk).update(last_polled_at=timezone.now(), last_error="unexpected error")
        ran += 1
    return ran


@task(queue_name="inbound")
def poll_mailboxes_task() -> int:
    return poll_mailboxes()
