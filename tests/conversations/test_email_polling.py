"""Inbound email polling: the schedule and reading a real IMAP server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.connectors.imap_helpers import new_account
from tests.conversations.email_helpers import build_email, make_mailbox
from tests.email_servers import dovecot  # noqa: F401 - fixture
from zabota.connectors.models import ImapCursor, Mailbox, RawEmail
from zabota.conversations import email_inbound
from zabota.conversations.models import Message

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
