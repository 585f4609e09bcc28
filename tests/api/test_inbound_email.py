"""The raw-MIME endpoint for email services: per-mailbox secret, bytes stored first, never a 500."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conversations.email_helpers import build_email, fixture, make_mailbox
from zabota.connectors.models import RawEmail, RawEmailStatus
from zabota.conversations.models import Message


@pytest.fixture
def mailbox(store):
    return make_mailbox(store)


def _url(mailbox_id: int, query: str = "") -> str:
    return f"/api/v1/inbound/email/{mailbox_id}{query}"


def _post(mailbox, body: bytes, *, secret: str | None = None, **headers):
    secret = mailbox.inbound_secret if secret is None else secret
    return Client().post(
        _url(mailbox.pk),
        body,
        content_type="message/rfc822",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        **headers,
    )


def test_raw_email_becomes_a_message(mailbox):
    response = _post(mailbox, fixture("01_gmail_alternative_utf8.eml"))

    assert response.status_code == 201, response.content
    message = Message.objects.get()
    row = RawEmail.objects.get()
    assert response.json() == {
        "raw_email_id": row.pk,
        "status": "processed",
        "error": "",
        "message_id": message.pk,
        "conversation_id": message.conversation_id,
    }
    assert (row.source, row.mailbox_id, row.size) == ("http", mailbox.pk, len(bytes(row.raw)))
    assert message.meta["mailbox_id"] == mailbox.pk


def test_repeated_delivery_answers_200_ignored(mailbox):
    _post(mailbox, build_email())

    response = _post(mailbox, build_email())

    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert response.json()["error"] == "duplicate Message-ID"
    assert Message.objects.count() == 1
    assert RawEmail.objects.count() == 2


def test_unparsable_email_is_kept_and_answered_200(mailbox):
    response = _post(mailbox, b"To: support@uyut-shop.ru\r\nSubject: no sender\r\n\r\nhi\r\n")

    assert response.status_code == 200
    assert response.json()["status"] == "failed"
    assert response.json()["error"] == "no sender address (From)"
    assert RawEmail.objects.get().status == RawEmailStatus.FAILED


def test_empty_body_is_refused_and_nothing_stored(mailbox):
    response = _post(mailbox, b"  \r\n")

    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "message": "The body holds no email.", "field": "body"}
    assert RawEmail.objects.count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"HTTP_X_ZABOTA_SECRET": "{secret}"}, id="header"),
        pytest.param({"QUERY": "?secret={secret}"}, id="query"),
    ],
)
def test_other_ways_to_pass_the_secret(mailbox, headers):
    query = headers.get("QUERY", "").format(secret=mailbox.inbound_secret)
    extra = {k: v.format(secret=mailbox.inbound_secret) for k, v in headers.items() if k != "QUERY"}

    response = Client().post(_url(mailbox.pk, query), build_email(), content_type="message/rfc822", **extra)

    assert response.status_code == 201, response.content


@pytest.mark.parametrize("field", ["email", "body-mime"])
def test_form_field_of_email_services(mailbox, field):
    raw = build_email().decode()

    response = Client().post(
        _url(mailbox.pk, f"?secret={mailbox.inbound_secret}"), {field: raw, "to": "support@uyut-shop.ru"}
    )

    assert response.status_code == 201, response.content
    assert Message.objects.get().text == "Здравствуйте! Заказ №4521 не пришёл."


def test_uploaded_file_of_email_services(mailbox):
    upload = SimpleUploadedFile("message.eml", build_email(), content_type="message/rfc822")

    response = Client().post(_url(mailbox.pk, f"?secret={mailbox.inbound_secret}"), {"file": upload})

    assert response.status_code == 201, response.content


@pytest.mark.parametrize("secret", ["", "wrong"], ids=["missing", "wrong"])
def test_wrong_secret_is_refused_and_nothing_stored(mailbox, secret):
    response = Client().post(
        _url(mailbox.pk),
        build_email(),
        content_type="message/rfc822",
        **({"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}),
    )

    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert RawEmail.objects.count() == 0


def test_secret_of_another_stores_mailbox_is_refused(mailbox, other_store):
    foreign = make_mailbox(other_store)

    response = _post(foreign, build_email(), secret=mailbox.inbound_secret)

    assert response.status_code == 401
    assert RawEmail.objects.count() == 0


@pytest.mark.parametrize("mailbox_id", [999_999, 2**63], ids=["unknown", "overflow"])
def test_unknown_mailbox_is_not_found(db, mailbox_id):
    response = Client().post(
        _url(mailbox_id), build_email(), content_type="message/rfc822", HTTP_AUTHORIZATION="Bearer x"
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_inactive_mailbox_is_not_found(store):
    mailbox = make_mailbox(store, is_active=False)

    assert _post(mailbox, build_email()).status_code == 404


def test_too_large_body_is_refused(mailbox, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = _post(mailbox, build_email(body="x" * 5000))

    assert response.status_code == 413
    assert RawEmail.objects.count() == 0
