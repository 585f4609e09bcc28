"""Received emails for administrators: failed/ignored lists with the reason, the raw .eml, "process again"."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from zabota.connectors import actions
from zabota.connectors.models import Mailbox, RawEmail
from zabota.conversations.models import Conversation, Message
from zabota.stores.actors import Actor

RAW = (
    b"From: =?utf-8?b?0JjQstCw0L0=?= <ivan@example.ru>\r\n"
    b"To: support@shop.test\r\n"
    b"Subject: =?utf-8?b?0JPQtNC1INC30LDQutCw0Lc/?=\r\n"
    b"Message-ID: <order-1@example.ru>\r\n"
    b"Date: Mon, 23 Nov 2026 10:00:00 +0300\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n" + "Где мой заказ 1234?\r\n".encode()
)


def _mailbox(store) -> Mailbox:
    return actions.create_mailbox(
        store=store, by=Actor.system(), name="Поддержка", address="support@shop.test"
    )


def _raw(mailbox: Mailbox, *, status: str, error: str = "", data: bytes = RAW, kind: str = "") -> RawEmail:
    return RawEmail.objects.create(
        store_id=mailbox.store_id,
        mailbox=mailbox,
        source="http",
        raw=data,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        message_id="order-1@example.ru",
        sender="ivan@example.ru",
        status=status,
        error=error,
        kind=kind,
    )


@pytest.fixture
def mailbox(store) -> Mailbox:
    return _mailbox(store)


@pytest.mark.parametrize("role", ["agent", "lead"])
def test_only_admins(client, request, mailbox, role):
    row = _raw(mailbox, status="failed", error="boom")
    client.force_login(request.getfixturevalue(role).user)

    responses = [
        client.get(reverse("manage:raw_emails")),
        client.get(reverse("manage:raw_email_download", args=[row.pk])),
        client.post(reverse("manage:raw_email_process", args=[row.pk])),
    ]

    assert [r.status_code for r in responses] == [403] * 3
    row.refresh_from_db()
    assert row.status == "failed"


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        pytest.param("", ["failed"], id="default-failed"),
        pytest.param("failed", ["failed"], id="failed"),
        pytest.param("ignored", ["ignored"], id="ignored"),
        pytest.param("all", ["processed", "ignored", "failed"], id="all"),
        pytest.param("bogus", ["failed"], id="unknown-filter"),
    ],
)
def test_list_filters(client, admin, mailbox, shown, expected):
    _raw(mailbox, status="failed", error="ValueError: broken MIME")
    _raw(mailbox, status="ignored", error="duplicate Message-ID", kind="normal")
    _raw(mailbox, status="processed")
    client.force_login(admin.user)

    response = client.get(reverse("manage:raw_emails"), {"status": shown} if shown else {})

    assert response.status_code == 200
    assert [row.status for row in response.context["page"]] == expected


def test_list_shows_the_reason_and_links(client, admin, mailbox):
    row = _raw(mailbox, status="failed", error="ValueError: broken MIME")
    client.force_login(admin.user)

    page = client.get(reverse("manage:raw_emails")).content.decode()

    assert "ValueError: broken MIME" in page
    assert "ivan@example.ru" in page
    assert reverse("manage:raw_email_download", args=[row.pk]) in page
    assert reverse("manage:raw_email_process", args=[row.pk]) in page


def test_list_query_count(client, admin, mailbox, django_assert_max_num_queries):
    for _ in range(20):
        _raw(mailbox, status="failed", error="x")
    client.force_login(admin.user)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("manage:raw_emails"))

    assert len(response.context["page"]) == 20


def test_download_is_the_exact_bytes(client, admin, mailbox):
    row = _raw(mailbox, status="failed", error="x", data=RAW + b"\xff\xfe broken bytes")
    client.force_login(admin.user)

    response = client.get(reverse("manage:raw_email_download", args=[row.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"] == f'attachment; filename="email-{row.pk}.eml"'
    assert response.content == RAW + b"\xff\xfe broken bytes"


def test_process_again_turns_a_failed_email_into_a_message(client, admin, mailbox):
    row = _raw(mailbox, status="failed", error="OperationalError: database was down")
    client.force_login(admin.user)

    response = client.post(reverse("manage:raw_email_process", args=[row.pk]), {"status": "failed"})

    row.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("manage:raw_emails") + "?status=failed"
    assert (row.status, row.error) == ("processed", "")
    message = Message.objects.get(pk=row.message_pk)
    assert message.text.strip() == "Где мой заказ 1234?"
    assert Conversation.objects.filter(store_id=mailbox.store_id).count() == 1


def test_other_stores_emails_are_not_found(client, admin, other_store):
    theirs = _raw(_mailbox(other_store), status="failed", error="x")
    client.force_login(admin.user)

    responses = [
        client.get(reverse("manage:raw_email_download", args=[theirs.pk])),
        client.post(reverse("manage:raw_email_process", args=[theirs.pk])),
    ]
    listed = client.get(reverse("manage:raw_emails"), {"status": "all"})

    assert [r.status_code for r in responses] == [404, 404]
    assert list(listed.context["page"]) == []
    theirs.refresh_from_db()
    assert theirs.status == "failed"
