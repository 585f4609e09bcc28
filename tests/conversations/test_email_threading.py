"""Inbound email threading: which conversation an email joins; loops, auto-replies, bounces and limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conversations._email_inbound_helpers import recorded_outbound as _outbound
from tests.conversations.email_helpers import SUPPORT, build_email, fixture, make_mailbox, receive
from tests.factories import make_conversation, make_customer
from zabota.connectors.email.tokens import make_token
from zabota.connectors.models import RawEmail, RawEmailStatus
from zabota.conversations.email_inbound import process_raw_email
from zabota.conversations.models import Conversation, Message, Status


@pytest.fixture
def mailbox(store):
    return make_mailbox(store)


# --- threading -------------------------------------------------------------------------------------


def test_reply_to_a_received_email_joins_its_conversation(store, mailbox):
    first = receive(mailbox, build_email(message_id="<m1@example.ru>"))
    colleague = build_email(
        sender="Коллега <olga@example.ru>",
        message_id="<m2@example.ru>",
        in_reply_to="<m1@example.ru>",
        subject="Re: Где мой заказ?",
    )

    second = receive(mailbox, colleague)

    conversation_ids = set(Message.objects.values_list("conversation_id", flat=True))
    assert second.status == RawEmailStatus.PROCESSED
    assert conversation_ids == {Message.objects.get(pk=first.message_pk).conversation_id}


def test_reply_to_our_email_joins_by_references(store, mailbox):
    conversation = make_conversation(store, channel="email")
    _outbound(conversation, "out-7@uyut-shop.ru")
    raw = build_email(
        message_id="<answer@example.ru>",
        references="<unknown@elsewhere> <out-7@uyut-shop.ru>",
        subject="Re: ваш заказ",
    )

    row = receive(mailbox, raw)

    assert Message.objects.get(pk=row.message_pk).conversation_id == conversation.pk


def test_reply_token_in_to_joins_the_conversation(store, mailbox):
    conversation = make_conversation(store, channel="email")
    token = make_token(store_id=store.pk, conversation_id=conversation.pk)

    row = receive(mailbox, build_email(to=f"support+{token}@uyut-shop.ru", subject="Без Re"))

    assert Message.objects.get(pk=row.message_pk).conversation_id == conversation.pk


def test_reply_token_in_delivered_to_joins_the_conversation(store, mailbox):
    conversation = make_conversation(store, channel="email")
    token = make_token(store_id=store.pk, conversation_id=conversation.pk)
    raw = build_email(headers={"Delivered-To": f"support+{token}@uyut-shop.ru"})

    row = receive(mailbox, raw)

    assert Message.objects.get(pk=row.message_pk).conversation_id == conversation.pk


def test_reply_token_of_another_store_opens_a_new_conversation(store, other_store, mailbox):
    foreign = make_conversation(other_store, channel="email")
    token = make_token(store_id=other_store.pk, conversation_id=foreign.pk)

    row = receive(mailbox, build_email(to=f"support+{token}@uyut-shop.ru"))

    message = Message.objects.get(pk=row.message_pk)
    assert message.conversation_id != foreign.pk
    assert message.conversation.store_id == store.pk
    assert Message.objects.filter(conversation=foreign).count() == 1


def test_subject_tag_joins_only_the_customers_own_conversation(store, mailbox):
    customer = make_customer(store, email="ivan@example.ru")
    conversation = make_conversation(store, customer=customer, channel="email")
    subject = f"Re: Заказ [#{conversation.number}]"

    own = receive(mailbox, build_email(subject=subject, message_id="<a@example.ru>"))
    stranger = receive(
        mailbox, build_email(sender="mallory@evil.example", subject=subject, message_id="<b@evil.example>")
    )

    assert Message.objects.get(pk=own.message_pk).conversation_id == conversation.pk
    assert Message.objects.get(pk=stranger.message_pk).conversation_id != conversation.pk


def test_email_without_thread_markers_opens_a_new_conversation(store, mailbox):
    customer = make_customer(store, email="ivan@example.ru")
    open_one = make_conversation(store, customer=customer, channel="email")

    row = receive(mailbox, build_email(subject="Новый вопрос"))

    conversation = Message.objects.get(pk=row.message_pk).conversation
    assert conversation.pk != open_one.pk
    assert conversation.customer_id == customer.pk
    assert conversation.previous_id is None


def test_reply_to_a_long_closed_conversation_opens_a_linked_one(store, mailbox):
    first = receive(mailbox, build_email(message_id="<m1@example.ru>"))
    old = Message.objects.get(pk=first.message_pk).conversation
    long_ago = timezone.now() - timedelta(days=store.reopen_window_days + 1)
    Conversation.objects.filter(pk=old.pk).update(
        status=Status.CLOSED, closed_at=long_ago, updated_at=long_ago
    )

    row = receive(mailbox, build_email(message_id="<m2@example.ru>", in_reply_to="<m1@example.ru>"))

    conversation = Message.objects.get(pk=row.message_pk).conversation
    assert conversation.pk != old.pk
    assert conversation.previous_id == old.pk


def test_reply_to_a_recently_solved_conversation_reopens_it(store, mailbox):
    first = receive(mailbox, build_email(message_id="<m1@example.ru>"))
    old = Message.objects.get(pk=first.message_pk).conversation
    Conversation.objects.filter(pk=old.pk).update(status=Status.SOLVED, solved_at=timezone.now())

    row = receive(mailbox, build_email(message_id="<m2@example.ru>", in_reply_to="<m1@example.ru>"))

    old.refresh_from_db()
    assert Message.objects.get(pk=row.message_pk).conversation_id == old.pk
    assert old.status == Status.OPEN


# --- loops and noise -------------------------------------------------------------------------------


def test_bounce_marks_the_returned_message_and_becomes_no_message(store, mailbox):
    conversation = make_conversation(store, channel="email")
    sent = _outbound(conversation, "reply-27@uyut-shop.ru")
    count = Message.objects.count()

    row = receive(mailbox, fixture("27_bounce_postfix.eml"))

    sent.refresh_from_db()
    assert row.status == RawEmailStatus.IGNORED
    assert row.kind == "bounce"
    assert row.error.startswith(f"bounce of message #{sent.pk}: 5.1.1")
    assert sent.delivery_status == "bounced"
    assert "5.1.1" in sent.delivery_error
    assert Message.objects.count() == count


def test_bounce_of_an_unknown_message_is_ignored(store, mailbox):
    row = receive(mailbox, fixture("29_bounce_yandex.eml"))

    assert (row.status, row.kind) == (RawEmailStatus.IGNORED, "bounce")
    assert row.error == "bounce of an unknown message: reply-29@uyut-shop.ru"
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("32_autoreply_exchange.eml", "auto_reply"),
        ("33_autoreply_yandex.eml", "auto_reply"),
        ("34_autoreply_subject_only.eml", "auto_reply"),
        ("35_list_newsletter.eml", "list"),
    ],
)
def test_auto_replies_and_list_mail_are_flagged(store, mailbox, name, kind):
    row = receive(mailbox, fixture(name))

    assert (row.status, row.kind) == (RawEmailStatus.PROCESSED, kind)
    assert Message.objects.get(pk=row.message_pk).meta["kind"] == kind


def test_mail_from_our_own_address_is_a_loop(store, mailbox):
    row = receive(mailbox, build_email(sender=f"Магазин <{SUPPORT}>"))

    assert (row.status, row.kind) == (RawEmailStatus.IGNORED, "loop_suspect")
    assert row.error.startswith("loop: ")
    assert Message.objects.count() == 0


def test_sender_over_the_hourly_limit_is_ignored_until_forced(store):
    mailbox = make_mailbox(store, max_messages_per_sender_per_hour=2)
    rows = [receive(mailbox, build_email(message_id=f"<s{i}@example.ru>")) for i in range(3)]
    other = receive(mailbox, build_email(sender="anna@example.ru", message_id="<anna@example.ru>"))

    assert [r.status for r in rows] == ["processed", "processed", "ignored"]
    assert rows[2].error == "rate limit: too many emails from this sender this hour"
    assert other.status == RawEmailStatus.PROCESSED
    assert process_raw_email(rows[2].pk).status == RawEmailStatus.IGNORED
    assert process_raw_email(rows[2].pk, force=True).status == RawEmailStatus.PROCESSED


def test_older_emails_do_not_count_towards_the_limit(store):
    mailbox = make_mailbox(store, max_messages_per_sender_per_hour=1)
    first = receive(mailbox, build_email(message_id="<s1@example.ru>"))
    RawEmail.objects.filter(pk=first.pk).update(received_at=timezone.now() - timedelta(hours=2))

    second = receive(mailbox, build_email(message_id="<s2@example.ru>"))

    assert second.status == RawEmailStatus.PROCESSED
