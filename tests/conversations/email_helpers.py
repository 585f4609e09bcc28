"""Building emails and mailboxes for the inbound email tests."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from django.utils import timezone

from zabota.connectors.models import Mailbox, RawEmail
from zabota.conversations.email_inbound import process_raw_email, store_raw_email
from zabota.stores.models import Store

MIME = Path(__file__).resolve().parent.parent / "connectors" / "data" / "mime"
SUPPORT = "support@uyut-shop.ru"


def make_mailbox(store: Store, address: str = SUPPORT, **fields: Any) -> Mailbox:
    return Mailbox.objects.create(store=store, name="Поддержка", address=address, **fields)


def fixture(name: str) -> bytes:
    return (MIME / name).read_bytes()


def build_email(
    *,
    sender: str = "Иван Петров <ivan@example.ru>",
    to: str = SUPPORT,
    subject: str = "Где мой заказ?",
    body: str = "Здравствуйте! Заказ №4521 не пришёл.",
    message_id: str | None = "<m1@example.ru>",
    in_reply_to: str | None = None,
    references: str | None = None,
    html: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    if message_id:
        message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message.as_bytes()


def receive(mailbox: Mailbox, raw: bytes, *, force: bool = False) -> RawEmail:
    row = store_raw_email(mailbox=mailbox, raw=raw, source="http")
    return process_raw_email(row.pk, force=force)
