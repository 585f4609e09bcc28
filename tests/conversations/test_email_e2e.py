"""End to end over real servers on loopback: Dovecot (IMAP) in, aiosmtpd (SMTP) out."""

# ruff: noqa: F811 - the server fixtures are imported by name

from __future__ import annotations

import smtplib
from datetime import timedelta
from email.message import EmailMessage

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.email_servers import (  # noqa: F401 - pytest fixtures
    ImapAccount,
    SmtpServer,
    dovecot,
    imap_account,
    smtp_server,
)
from zabota.connectors import actions as connector_actions
from zabota.connectors.models import ImapCursor, Mailbox, RawEmail
from zabota.conversations import actions as conversation_actions
from zabota.conversations import email_inbound
from zabota.conversations.email_outbound import send_email
from zabota.conversations.models import Conversation
from zabota.stores.actors import Actor

pytestmark = pytest.mark.slow


def test_harness_dovecot_append_and_smtp_collect(imap_account: ImapAccount, smtp_server: SmtpServer) -> None:
    # given
    mail = EmailMessage()
    mail["From"] = "Иван <ivan@example.ru>"
    mail["To"] = imap_account.username
    mail["Subject"] = "Где мой заказ?"
    mail.set_content("Здравствуйте!")
    # when
    first = imap_account.append(mail)
    second = imap_account.append(b"From: a@example.ru\r\nSubject: x\r\n\r\nbody\r\n")
    with smtplib.SMTP(smtp_server.host, smtp_server.port) as client:
        client.login(smtp_server.username, smtp_server.password)
        client.send_message(mail, to_addrs=["ivan@example.ru"])
    # then
    assert imap_account.uids() == [first, second] == [1, 2]
    received = smtp_server.wait_for(1)
    assert [m.rcpt_tos for m in received] == [["ivan@example.ru"]]
    assert received[0].message["Subject"] == "Где мой заказ?"


def _mailbox(store, imap: ImapAccount, smtp: SmtpServer) -> Mailbox:
    return connector_actions.create_mailbox(
        store=store,
        by=Actor.system(),
        name="Поддержка",
        address=imap.username,
        from_name="Магазин «Пример»",
        imap_host=imap.host,
        imap_port=imap.port,
        imap_security="none",
        imap_username=imap.username,
        imap_password=imap.password,
        smtp_host=smtp.host,
        smtp_port=smtp.port,
        smtp_security="none",
        smtp_username=smtp.username,
        smtp_password=smtp.password,
    )


def _poll(hours: int) -> int:
    """The poll job as the scheduler runs it, at a time when the mailbox is due."""
    return email_inbound.poll_mailboxes(now=timezone.now() + timedelta(hours=hours))


def test_customer_email_reply_and_answer_stay_in_one_conversation(
    client,
    store,
    agent,
    imap_account: ImapAccount,
    smtp_server: SmtpServer,
    django_capture_on_commit_callbacks,
):
    mailbox = _mailbox(store, imap_account, smtp_server)

    # given: a customer's email delivered into the IMAP mailbox
    first = EmailMessage()
    first["From"] = "Иван Петров <ivan@example.ru>"
    first["To"] = imap_account.username
    first["Subject"] = "Где мой заказ?"
    first["Message-ID"] = "<first.1@example.ru>"
    first["Date"] = "Mon, 23 Nov 2026 10:00:00 +0300"
    first.set_content("Здравствуйте! Заказ 1234 ещё не пришёл.\n\nС уважением,\nИван\n")
    imap_account.append(first)

    # when: the poll job runs
    assert _poll(1) == 1

    # then: the conversation appears with the customer's text
    conversation = Conversation.objects.get(store=store)
    inbound = conversation.messages.get()
    assert (conversation.channel, inbound.direction, inbound.external_id) == (
        "email",
        "inbound",
        "first.1@example.ru",
    )
    assert inbound.text == "Здравствуйте! Заказ 1234 ещё не пришёл."
    assert list(conversation.customer.identities.values_list("kind", "value")) == [
        ("email", "ivan@example.ru")
    ]

    # when: an agent replies and the send task runs
    with django_capture_on_commit_callbacks(execute=True):
        reply = conversation_actions.reply(
            conversation=conversation, text="Заказ в пути, будет завтра.", by=Actor.of_agent(agent)
        )
    reply.refresh_from_db()
    assert reply.delivery_status == "queued"
    assert send_email.call(store_id=store.pk, message_id=reply.pk) == "sent"

    # then: the SMTP server received a correctly threaded reply
    received = smtp_server.wait_for(1)
    assert len(received) == 1
    sent = received[0].message
    reply.refresh_from_db()
    assert reply.delivery_status == "sent"
    assert received[0].rcpt_tos == ["ivan@example.ru"]
    assert sent["Message-ID"] == f"<{reply.external_id}>"
    assert sent["In-Reply-To"] == "<first.1@example.ru>"
    assert "<first.1@example.ru>" in sent["References"].split()
    assert f"[#{conversation.number}]" in sent["Subject"]
    assert sent.get_body(("plain",)).get_content().startswith("Заказ в пути, будет завтра.")

    # when: the customer answers our email (quoting it) and the poll runs again
    answer = EmailMessage()
    answer["From"] = "Иван Петров <ivan@example.ru>"
    answer["To"] = str(sent["Reply-To"] or sent["From"])
    answer["Subject"] = f"Re: {sent['Subject']}"
    answer["Message-ID"] = "<answer.2@example.ru>"
    answer["In-Reply-To"] = sent["Message-ID"]
    answer["References"] = f"{sent['References']} {sent['Message-ID']}"
    answer.set_content(
        "Спасибо, жду!\n\n"
        f"пн, 23 нояб. 2026 г. в 12:00, Магазин «Пример» <{imap_account.username}>:\n"
        "> Заказ в пути, будет завтра.\n"
    )
    imap_account.append(answer)
    assert _poll(2) == 1

    # then: it lands in the same conversation, quoted history kept apart
    assert Conversation.objects.filter(store=store).count() == 1
    last = conversation.messages.order_by("-id").first()
    assert last is not None
    assert (last.direction, last.external_id, last.text) == (
        "inbound",
        "answer.2@example.ru",
        "Спасибо, жду!",
    )
    assert "Заказ в пути, будет завтра." in last.meta["quoted"]
    assert conversation.messages.count() == 3

    # and a restart (a new poll from the saved cursor) imports nothing again
    assert _poll(3) == 1
    assert RawEmail.objects.filter(store=store).count() == 2
    assert list(RawEmail.objects.filter(store=store).order_by("id").values_list("imap_uid", "status")) == [
        (1, "processed"),
        (2, "processed"),
    ]
    cursor = ImapCursor.objects.get(mailbox=mailbox)
    assert cursor.last_uid == 2
    assert conversation.messages.count() == 3

    # and the agent's page shows the new text with the quoted part behind a toggle
    client.force_login(agent.user)
    page = client.get(reverse("conversation", args=[conversation.number])).content.decode()
    assert "Спасибо, жду!" in page
    assert "Show quoted text" in page
