"""Mailbox settings for administrators: add, edit (passwords write-only), test the connection, rotate the secret."""

# ruff: noqa: F811 - the server fixtures are imported by name

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.email_servers import (  # noqa: F401 - pytest fixtures
    ImapAccount,
    SmtpServer,
    dovecot,
    imap_account,
    smtp_server,
)
from tests.factories import make_agent
from zabota.connectors import actions
from zabota.connectors.actions import ConnectionCheck
from zabota.connectors.models import Mailbox
from zabota.core.errors import Conflict, InvalidInput, PermissionDenied
from zabota.stores.actors import Actor


def _form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Поддержка",
        "address": "Support@Shop.test",
        "from_name": "Магазин",
        "is_active": "on",
        "imap_host": "imap.shop.test",
        "imap_port": "993",
        "imap_security": "ssl",
        "imap_username": "support@shop.test",
        "imap_password": "imap-pass",
        "imap_folder": "INBOX",
        "poll_interval_seconds": "60",
        "use_idle": "on",
        "smtp_host": "smtp.shop.test",
        "smtp_port": "465",
        "smtp_security": "ssl",
        "smtp_username": "support@shop.test",
        "smtp_password": "smtp-pass",
        "max_messages_per_sender_per_hour": "30",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _mailbox(store, **overrides: Any) -> Mailbox:
    settings = {
        "name": "Поддержка",
        "address": "support@shop.test",
        "imap_host": "imap.shop.test",
        "imap_username": "support@shop.test",
        "smtp_host": "smtp.shop.test",
        **overrides,
    }
    return actions.create_mailbox(
        store=store, by=Actor.system(), imap_password="imap-pass", smtp_password="smtp-pass", **settings
    )


@pytest.mark.parametrize("role", ["agent", "lead"])
def test_only_admins(client, request, store, role):
    mailbox = _mailbox(store)
    client.force_login(request.getfixturevalue(role).user)

    responses = [
        client.get(reverse("email:list")),
        client.get(reverse("email:create")),
        client.post(reverse("email:create"), _form(address="x@shop.test")),
        client.get(reverse("email:edit", args=[mailbox.pk])),
        client.post(reverse("email:edit", args=[mailbox.pk]), _form(name="Взлом")),
        client.post(reverse("email:rotate_secret", args=[mailbox.pk])),
        client.post(reverse("email:test", args=[mailbox.pk])),
        client.post(reverse("email:delete", args=[mailbox.pk])),
    ]

    assert [r.status_code for r in responses] == [403] * 8
    assert list(Mailbox.objects.values_list("name", "inbound_secret")) == [
        ("Поддержка", mailbox.inbound_secret)
    ]


def test_actions_refuse_non_admins_and_other_stores(store, other_store, agent):
    mailbox = _mailbox(store)
    other_admin = Actor.of_agent(make_agent(other_store, role="admin"))

    with pytest.raises(PermissionDenied):
        actions.update_mailbox(mailbox=mailbox, by=Actor.of_agent(agent), name="x")
    with pytest.raises(PermissionDenied):
        actions.delete_mailbox(mailbox=mailbox, by=other_admin)
    with pytest.raises(PermissionDenied):
        actions.rotate_inbound_secret(mailbox=mailbox, by=other_admin)
    assert Mailbox.objects.get().name == "Поддержка"


def test_create_from_the_form(client, admin, store):
    client.force_login(admin.user)

    response = client.post(reverse("email:create"), _form())

    mailbox = Mailbox.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("email:edit", args=[mailbox.pk])
    assert (mailbox.store_id, mailbox.address, mailbox.imap_password, mailbox.smtp_password) == (
        store.pk,
        "support@shop.test",
        "imap-pass",
        "smtp-pass",
    )
    assert (mailbox.poll_interval_seconds, mailbox.use_idle, mailbox.is_active) == (60, True, True)


def test_edit_page_never_shows_passwords_and_empty_keeps_them(client, admin, store):
    mailbox = _mailbox(store)
    client.force_login(admin.user)

    page = client.get(reverse("email:edit", args=[mailbox.pk])).content.decode()
    response = client.post(
        reverse("email:edit", args=[mailbox.pk]),
        _form(name="Заказы", imap_password="", smtp_password="new-smtp"),
    )

    assert "imap-pass" not in page
    assert "smtp-pass" not in page
    assert page.count("A password is saved.") == 2
    assert mailbox.inbound_secret in page
    assert f"/api/v1/inbound/email/{mailbox.pk}" in page
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.name, mailbox.imap_password, mailbox.smtp_password) == ("Заказы", "imap-pass", "new-smtp")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"address": "not-an-address"}, "address", id="address"),
        pytest.param({"imap_port": "70000"}, "imap_port", id="port"),
        pytest.param({"poll_interval_seconds": "1"}, "poll_interval_seconds", id="interval"),
        pytest.param({"imap_security": "plain"}, "imap_security", id="security"),
        pytest.param({"name": ""}, "name", id="name"),
    ],
)
def test_form_rejects_bad_input(client, admin, store, overrides, field):
    client.force_login(admin.user)

    response = client.post(reverse("email:create"), _form(**overrides))

    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert Mailbox.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"imap_username": ""}, "imap_username", id="imap-without-user"),
        pytest.param({"imap_host": "imap shop"}, "imap_host", id="host-with-space"),
        pytest.param({"max_messages_per_sender_per_hour": 0}, "max_messages_per_sender_per_hour", id="limit"),
        pytest.param({"poll_interval_seconds": 5}, "poll_interval_seconds", id="interval"),
        pytest.param({"smtp_port": 0}, "smtp_port", id="port"),
    ],
)
def test_action_validation(store, overrides, field):
    with pytest.raises(InvalidInput) as caught:
        _mailbox(store, **overrides)

    assert caught.value.field == field
    assert Mailbox.objects.count() == 0


def test_duplicate_address_is_a_conflict_on_the_form(client, admin, store):
    _mailbox(store)
    client.force_login(admin.user)

    response = client.post(reverse("email:create"), _form(address="SUPPORT@shop.test"))

    assert response.status_code == 409
    assert list(response.context["form"].errors) == ["address"]
    assert Mailbox.objects.count() == 1
    with pytest.raises(Conflict):
        _mailbox(store)


def test_other_stores_mailboxes_are_not_found(client, admin, other_store):
    theirs = _mailbox(other_store)
    client.force_login(admin.user)

    responses = [
        client.get(reverse("email:edit", args=[theirs.pk])),
        client.post(reverse("email:edit", args=[theirs.pk]), _form()),
        client.post(reverse("email:rotate_secret", args=[theirs.pk])),
        client.post(reverse("email:test", args=[theirs.pk])),
        client.post(reverse("email:delete", args=[theirs.pk])),
    ]
    listed = client.get(reverse("email:list"))

    assert [r.status_code for r in responses] == [404] * 5
    assert list(listed.context["mailboxes"]) == []
    theirs.refresh_from_db()
    assert theirs.name == "Поддержка"


def test_rotate_secret(client, admin, store):
    mailbox = _mailbox(store)
    old = mailbox.inbound_secret
    client.force_login(admin.user)

    response = client.post(reverse("email:rotate_secret", args=[mailbox.pk]))

    mailbox.refresh_from_db()
    assert response.status_code == 302
    assert mailbox.inbound_secret != old
    assert len(mailbox.inbound_secret) == 43


def test_delete(client, admin, store):
    mailbox = _mailbox(store)
    client.force_login(admin.user)

    response = client.post(reverse("email:delete", args=[mailbox.pk]))

    assert response.status_code == 302
    assert Mailbox.objects.count() == 0


def test_list_shows_mailboxes_and_the_nav_link(client, admin, store):
    _mailbox(store)
    client.force_login(admin.user)

    page = client.get(reverse("email:list")).content.decode()

    assert "support@shop.test" in page
    assert f'href="{reverse("email:list")}" aria-current="page"' in page
    assert reverse("manage:raw_emails") in page


def test_a_check_that_raises_is_shown_as_a_failed_step(store):
    mailbox = _mailbox(store, smtp_host="")

    def broken(_mailbox: Mailbox) -> list[Any]:
        raise RuntimeError("boom")

    checks = actions.check_connection(mailbox=mailbox, by=Actor.system(), imap=broken)

    assert checks == [
        ConnectionCheck("imap", "connect", ok=False, detail="RuntimeError: boom"),
        ConnectionCheck("smtp", "configured", ok=True, detail="not used"),
    ]


@pytest.mark.slow
def test_connection_against_real_servers(
    client, admin, store, imap_account: ImapAccount, smtp_server: SmtpServer
):
    # given a mailbox pointing at the loopback Dovecot and aiosmtpd
    mailbox = _mailbox(
        store,
        imap_host=imap_account.host,
        imap_port=imap_account.port,
        imap_security="none",
        imap_username=imap_account.username,
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        smtp_security="none",
        smtp_username=smtp_server.username,
    )
    Mailbox.objects.filter(pk=mailbox.pk).update(
        imap_password=imap_account.password, smtp_password=smtp_server.password
    )
    client.force_login(admin.user)

    # when
    ok = client.post(reverse("email:test", args=[mailbox.pk]), headers={"HX-Request": "true"})
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_password="wrong")
    bad = client.post(reverse("email:test", args=[mailbox.pk]))

    # then
    assert ok.status_code == 200
    assert [(c.protocol, c.step, c.ok) for c in ok.context["checks"]] == [
        ("imap", "connect", True),
        ("imap", "login", True),
        ("imap", "select", True),
        ("smtp", "connect", True),
        ("smtp", "tls", True),
        ("smtp", "ehlo", True),
        ("smtp", "login", True),
        ("smtp", "sender", True),
    ]
    assert "Connection test passed." in ok.content.decode()
    assert [(c.protocol, c.step, c.ok) for c in bad.context["checks"]][:2] == [
        ("imap", "connect", True),
        ("imap", "login", False),
    ]
    assert "Connection test failed." in bad.content.decode()
    assert "<html" in bad.content.decode().lower()


def test_the_shown_endpoint_and_secret_accept_an_email(client, admin, store):
    mailbox = _mailbox(store, imap_host="", imap_username="")
    client.force_login(admin.user)
    page = client.get(reverse("email:edit", args=[mailbox.pk]))
    url = page.context["inbound_url"]
    raw = b"From: ivan@example.ru\r\nTo: support@shop.test\r\nSubject: test\r\nMessage-ID: <e.1@example.ru>\r\n\r\nHi\r\n"
    client.logout()

    accepted = client.post(
        url,
        raw,
        content_type="message/rfc822",
        headers={page.context["secret_header"]: mailbox.inbound_secret},
    )
    actions.rotate_inbound_secret(mailbox=mailbox, by=Actor.system())
    refused = client.post(
        url,
        raw,
        content_type="message/rfc822",
        headers={page.context["secret_header"]: page.context["editing"].inbound_secret},
    )

    assert url == f"http://testserver/api/v1/inbound/email/{mailbox.pk}"
    assert accepted.status_code == 201
    assert refused.status_code == 401
