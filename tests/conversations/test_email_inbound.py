"""Inbound email: raw bytes stored first, then a message in the right conversation, nothing doubled."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.connectors.imap_helpers import new_account
from tests.conversations.email_helpers import SUPPORT, build_email, fixture, make_mailbox, receive
from tests.email_servers import dovecot  # noqa: F401 - fixture
from tests.factories import make_conversation, make_customer
from zabota.connectors.email.tokens import make_token
from zabota.connectors.models import ImapCursor, Mailbox, RawEmail, RawEmailStatus
from zabota.conversations import email_inbound
from zabota.conversations.email_inbound import process_raw_email, store_raw_email
from zabota.conversations.models import Attachment, Conversation, Direction, Message, Status
from zabota.core.errors import NotFound
from zabota.customers.models import Identity


@pytest.fixture
def mailbox(store):
    return make_mailbox(store)


def _outbound(conversation: Conversation, message_id: str) -> Message:
    """An agent's email as the outbound side records it (our Message-ID as external_id)."""
    return Message.objects.create(
        store=conversation.store,
        conversation=conversation,
        direction=Direction.OUTBOUND,
        author_kind="agent",
        text="Ответ магазина",
        channel="email",
        external_id=message_id,
        delivery_status="sent",
        created_at=timezone.now(),
    )


# --- a customer's email becomes a message --------------------------------------------------------


def test_customer_email_becomes_message_with_reply_split(store, mailbox):
    row = receive(mailbox, fixture("01_gmail_alternative_utf8.eml"))

    assert row.status == RawEmailStatus.PROCESSED, row.error
    message = Message.objects.get()
    assert row.message_pk == message.pk
    assert row.message_id == "CAF7nXk2mZ0+Qd1=Vf9wq2YzY3s_UeN1D8@mail.gmail.com"
    assert row.sender == "ivan.petrov@gmail.com"
    assert row.kind == "normal"
    assert message.text == (
        "Здравствуйте!\n\nЗаказ №4521 до сих пор не пришёл, трек-номер не отслеживается.\n"
        "Подскажите, пожалуйста, что делать?"
    )
    assert message.channel == "email"
    assert message.direction == Direction.INBOUND
    assert message.external_id == "CAF7nXk2mZ0+Qd1=Vf9wq2YzY3s_UeN1D8@mail.gmail.com"
    assert message.meta["quoted"] == (
        "пн, 6 окт. 2014 г. в 10:00, Магазин Уют <support@uyut-shop.ru>:\n\n"
        "> Ваш заказ №4521 передан в службу доставки."
    )
    assert message.meta["signature"] == ""
    assert message.meta["kind"] == "normal"
    assert message.meta["message_id"] == "CAF7nXk2mZ0+Qd1=Vf9wq2YzY3s_UeN1D8@mail.gmail.com"
    assert message.meta["mailbox_id"] == mailbox.pk
    assert message.meta["remote_images"] == 0
    assert message.meta["sent_at"] == "2014-10-06T12:31:07+04:00"
    conversation = message.conversation
    assert conversation.channel == "email"
    assert conversation.subject == "Re: Заказ №4521 передан в службу доставки"
    assert conversation.customer.display_name == "Иван Петров"
    assert Identity.objects.get(customer=conversation.customer).value == "ivan.petrov@gmail.com"


def test_html_keeps_blocked_remote_images_and_cid_references(store, mailbox):
    row = receive(mailbox, fixture("23_inline_cid_image.eml"))

    message = Message.objects.get(pk=row.message_pk)
    assert 'data-remote-src="https://tracker.example.com/open.gif?u=42"' in message.html
    assert 'data-cid="ii_lt9x0abc0"' in message.html
    assert " src=" not in message.html
    assert message.meta["remote_images"] == 1
    attachment = Attachment.objects.get(message=message)
    assert (attachment.filename, attachment.content_type, attachment.inline_cid) == (
        "image.png",
        "image/png",
        "ii_lt9x0abc0",
    )


def test_attachments_of_refused_types_are_listed_not_lost_silently(store, mailbox):
    row = receive(mailbox, fixture("25_outlook_tnef_winmail.eml"))

    message = Message.objects.get(pk=row.message_pk)
    assert message.text == "Please see the attached invoice."
    assert message.meta["attachments_dropped"] == [
        "winmail.dat: type application/vnd.ms-tnef is not accepted"
    ]
    assert Attachment.objects.filter(message=message).count() == 0


def test_two_attachments_are_stored(store, mailbox):
    row = receive(mailbox, fixture("21_attachments_rfc2231.eml"))

    names = sorted(Attachment.objects.filter(message_id=row.message_pk).values_list("filename", flat=True))
    assert names == ["Заявление на возврат.docx", "Чек от 01.03.pdf"]


def test_empty_body_takes_the_subject(store, mailbox):
    row = receive(mailbox, build_email(body="\n", subject="Позвоните мне"))

    assert Message.objects.get(pk=row.message_pk).text == "Позвоните мне"


# --- nothing lost ----------------------------------------------------------------------------------


def test_unparsable_email_is_kept_and_flagged(store, mailbox):
    row = receive(mailbox, b"  \r\n ")

    row.refresh_from_db()
    assert row.status == RawEmailStatus.FAILED
    assert row.error == "email_unparsable: The email is empty."
    assert bytes(row.raw) == b"  \r\n "
    assert Message.objects.count() == 0


def test_unexpected_error_is_kept_on_the_row(store, mailbox, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(email_inbound, "to_inbound", boom)

    row = receive(mailbox, build_email())

    assert row.status == RawEmailStatus.FAILED
    assert row.error == "RuntimeError: boom"
    assert RawEmail.objects.get().status == RawEmailStatus.FAILED


def test_email_without_sender_fails_clearly(store, mailbox):
    raw = b"To: support@uyut-shop.ru\r\nSubject: hi\r\nMessage-ID: <x@y>\r\n\r\nbody\r\n"

    row = receive(mailbox, raw)

    assert (row.status, row.error) == (RawEmailStatus.FAILED, "no sender address (From)")


def test_processing_a_missing_row_is_not_found(db):
    with pytest.raises(NotFound):
        process_raw_email(999_999)


def test_poll_processes_rows_left_stored_and_a_bad_one_does_not_stop_the_rest(store, mailbox):
    bad = store_raw_email(mailbox=mailbox, raw=b"\n", source="http")
    good = store_raw_email(mailbox=mailbox, raw=build_email(), source="http")

    result = email_inbound.poll_mailbox(mailbox.pk)

    assert (result.stored, result.processed, result.failed, result.error) == (0, 1, 1, "")
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.status == RawEmailStatus.FAILED
    assert good.status == RawEmailStatus.PROCESSED
    assert Message.objects.count() == 1


def test_processed_row_is_not_processed_twice(store, mailbox):
    row = receive(mailbox, build_email())

    again = process_raw_email(row.pk, force=True)

    assert again.status == RawEmailStatus.PROCESSED
    assert Message.objects.count() == 1


# --- nothing doubled -------------------------------------------------------------------------------


def test_repeated_message_id_is_ignored(store, mailbox):
    first = receive(mailbox, build_email(message_id="<same@example.ru>"))
    second = receive(mailbox, build_email(message_id="<same@example.ru>", body="Другой текст"))

    assert second.status == RawEmailStatus.IGNORED
    assert second.error == "duplicate Message-ID"
    assert second.message_pk == first.message_pk
    assert Message.objects.count() == 1


def test_our_own_outbound_email_coming_back_is_ignored(store, mailbox):
    conversation = make_conversation(store, channel="email")
    sent = _outbound(conversation, "out-1@uyut-shop.ru")

    row = receive(mailbox, build_email(message_id="<out-1@uyut-shop.ru>"))

    assert (row.status, row.message_pk) == (RawEmailStatus.IGNORED, sent.pk)


def test_email_without_message_id_is_deduplicated_by_content(store, mailbox):
    raw = build_email(message_id=None)

    receive(mailbox, raw)
    second = receive(mailbox, raw)

    assert second.status == RawEmailStatus.IGNORED
    assert Message.objects.count() == 1


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


# --- scheduling ------------------------------------------------------------------------------------


def test_due_mailboxes_follow_each_poll_interval(store):
    now = timezone.now()
    never = make_mailbox(store, "a@shop.ru", imap_host="imap.shop.ru")
    recent = make_mailbox(
        store, "b@shop.ru", imap_host="imap.shop.ru", poll_interval_seconds=60, last_polled_at=now
    )
    stale = make_mailbox(
        store,
        "c@shop.ru",
        imap_host="imap.shop.ru",
        poll_interval_seconds=60,
        last_polled_at=now - timedelta(seconds=61),
    )
    make_mailbox(store, "d@shop.ru", imap_host="imap.shop.ru", is_active=False)
    make_mailbox(store, "e@shop.ru")  # HTTP only

    assert email_inbound.due_mailboxes(now) == [never.pk, stale.pk]
    assert recent.pk not in email_inbound.due_mailboxes(now + timedelta(seconds=59))


def test_poll_job_is_registered():
    from zabota.core.scheduler import JOBS

    assert JOBS[email_inbound.POLL_JOB_NAME].task is email_inbound.poll_mailboxes_task


# --- polling a real IMAP server --------------------------------------------------------------------


@pytest.fixture
def imap_box(store, dovecot):  # noqa: F811
    account = new_account(dovecot)
    mailbox = make_mailbox(
        store,
        imap_host=account.host,
        imap_port=account.port,
        imap_security="none",
        imap_username=account.username,
        imap_password=account.password,
    )
    return mailbox, account


def test_poll_imports_new_mail_once_and_leaves_it_unread(imap_box):
    mailbox, account = imap_box
    uids = [account.append(build_email(message_id=f"<p{n}@example.ru>", body=f"Письмо {n}")) for n in (1, 2)]

    first = email_inbound.poll_mailbox(mailbox.pk)
    again = email_inbound.poll_mailbox(mailbox.pk)

    assert (first.stored, first.processed, first.failed, first.error) == (2, 2, 0, "")
    assert (again.stored, again.processed) == (0, 0)
    assert list(Message.objects.order_by("id").values_list("text", flat=True)) == ["Письмо 1", "Письмо 2"]
    cursor = ImapCursor.objects.get(mailbox=mailbox)
    assert (cursor.folder, cursor.last_uid) == ("INBOX", uids[-1])
    rows = RawEmail.objects.order_by("id")
    assert [(r.source, r.imap_uid, r.imap_uidvalidity) for r in rows] == [
        ("imap", uids[0], cursor.uidvalidity),
        ("imap", uids[1], cursor.uidvalidity),
    ]
    client = account.connect()
    try:
        client.select("INBOX", readonly=True)
        _status, unseen = client.uid("SEARCH", "UNSEEN")
    finally:
        client.logout()
    assert sorted(int(u) for u in unseen[0].split()) == uids
    mailbox.refresh_from_db()
    assert mailbox.last_polled_at is not None
    assert mailbox.last_error == ""


def test_poll_continues_after_the_cursor(imap_box):
    mailbox, account = imap_box
    account.append(build_email(message_id="<p1@example.ru>"))
    email_inbound.poll_mailbox(mailbox.pk)
    uid = account.append(build_email(message_id="<p2@example.ru>", body="Второе"))

    result = email_inbound.poll_mailbox(mailbox.pk)

    assert result.stored == 1
    assert Message.objects.order_by("-id").first().text == "Второе"
    assert ImapCursor.objects.get(mailbox=mailbox).last_uid == uid


def test_poll_limit_leaves_the_rest_for_next_time(imap_box):
    mailbox, account = imap_box
    uids = [account.append(build_email(message_id=f"<p{n}@example.ru>")) for n in (1, 2, 3)]

    assert email_inbound.poll_mailbox(mailbox.pk, limit=2).stored == 2
    assert ImapCursor.objects.get(mailbox=mailbox).last_uid == uids[1]
    assert email_inbound.poll_mailbox(mailbox.pk, limit=2).stored == 1
    assert Message.objects.count() == 3


def test_changed_uidvalidity_rereads_the_folder_without_doubling(imap_box):
    mailbox, account = imap_box
    account.append(build_email(message_id="<p1@example.ru>"))
    email_inbound.poll_mailbox(mailbox.pk)
    # as if the server had renumbered the folder since the first poll
    ImapCursor.objects.filter(mailbox=mailbox).update(uidvalidity=1, last_uid=10_000)
    RawEmail.objects.update(imap_uidvalidity=1)

    result = email_inbound.poll_mailbox(mailbox.pk)

    assert result.stored == 1
    assert Message.objects.count() == 1
    assert list(RawEmail.objects.order_by("id").values_list("status", flat=True)) == ["processed", "ignored"]
    assert ImapCursor.objects.get(mailbox=mailbox).uidvalidity != 1


def test_unparsable_mail_on_the_server_does_not_stop_the_poll(imap_box):
    mailbox, account = imap_box
    account.append(b"\r\n\r\n")
    account.append(build_email(message_id="<ok@example.ru>"))

    result = email_inbound.poll_mailbox(mailbox.pk)

    assert (result.stored, result.processed, result.failed) == (2, 1, 1)
    assert Message.objects.count() == 1


def test_connection_failure_is_saved_on_the_mailbox(imap_box):
    mailbox, account = imap_box
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_password="wrong")

    result = email_inbound.poll_mailbox(mailbox.pk)

    mailbox.refresh_from_db()
    assert result.error.startswith("login: ")
    assert mailbox.last_error == result.error
    assert RawEmail.objects.count() == 0


def test_poll_job_polls_due_mailboxes(imap_box):
    mailbox, account = imap_box
    account.append(build_email())

    assert email_inbound.poll_mailboxes() == 1
    assert email_inbound.poll_mailboxes() == 0  # not due again before its interval
    assert Message.objects.count() == 1


def test_very_long_message_ids_still_thread_and_deduplicate(store, mailbox):
    long_id = "<" + "x" * 300 + "@example.ru>"
    first = receive(mailbox, build_email(message_id=long_id))
    again = receive(mailbox, build_email(message_id=long_id))
    answer = receive(mailbox, build_email(message_id="<a@example.ru>", in_reply_to=long_id))

    message = Message.objects.get(pk=first.message_pk)
    assert message.external_id.startswith("sha256:")
    assert message.meta["message_id"] == long_id.strip("<>")
    assert again.status == RawEmailStatus.IGNORED
    assert Message.objects.get(pk=answer.message_pk).conversation_id == message.conversation_id


_HEADERS = st.sampled_from(
    [
        b"From: a@example.ru\r\n",
        b"From: =?koi8-r?B?8NLJ18XU?= <b@example.ru>\r\n",
        b"Message-ID: <fixed@example.ru>\r\n",
        b"In-Reply-To: <m1@example.ru>\r\n",
        b"Content-Type: multipart/mixed; boundary=zz\r\n",
        b"Content-Type: text/html; charset=x-unknown\r\n",
        b"Content-Transfer-Encoding: base64\r\n",
        b"Auto-Submitted: auto-replied\r\n",
        b"Subject: [#1] Re:\r\n",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(headers=st.lists(_HEADERS, max_size=6), body=st.binary(max_size=400))
def test_processing_never_raises_on_arbitrary_bytes(store, mailbox, headers, body):
    raw = b"".join(headers) + b"\r\n" + body

    row = receive(mailbox, raw)

    assert row.status in {RawEmailStatus.PROCESSED, RawEmailStatus.IGNORED, RawEmailStatus.FAILED}
    assert bytes(RawEmail.objects.get(pk=row.pk).raw) == raw
    assert row.error == "" or row.status != RawEmailStatus.PROCESSED
    assert re.match(r"[A-Z]\w*(Error|Exception|Warning)\b", row.error) is None, row.error  # no crash
