"""Inbound email: raw bytes stored first, then a message in the right conversation, nothing doubled."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conversations._email_inbound_helpers import recorded_outbound as _outbound
from tests.conversations.email_helpers import build_email, fixture, make_mailbox, receive
from tests.factories import make_conversation
from zabota.connectors.models import RawEmail, RawEmailStatus
from zabota.conversations import email_inbound
from zabota.conversations.email_inbound import process_raw_email, store_raw_email
from zabota.conversations.models import Attachment, Direction, Message
from zabota.core.errors import NotFound
from zabota.customers.models import Identity


@pytest.fixture
def mailbox(store):
    return make_mailbox(store)


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
