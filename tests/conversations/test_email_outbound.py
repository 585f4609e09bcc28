"""Email replies end to end on loopback: reply → queue → send task → aiosmtpd → parse the bytes back.

Also: permanent and temporary SMTP failures, retries with backoff, no mailbox, bounces, sending again.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.conversations import _email_outbound_helpers as h
from tests.conversations._email_outbound_helpers import (
    CUSTOMER_MSGID,
    delivery_events,
    received,
    reply,
    run_tasks,
)
from tests.factories import make_conversation, make_customer
from zabota.connectors.email.tokens import read_token, split_address
from zabota.connectors.inbound import InboundAttachment
from zabota.connectors.models import Mailbox
from zabota.conversations import actions
from zabota.conversations.email_outbound import (
    CLAIM_LEASE,
    MAX_ATTEMPTS,
    send_email,
)
from zabota.conversations.models import Message
from zabota.core.reliable import ATTEMPT_KWARG
from zabota.stores.actors import Actor

_english_store = h._english_store
smtp_server = h.smtp_server
mailbox = h.mailbox
conversation = h.conversation


def test_agent_reply_reaches_the_smtp_server_threaded(
    store, agent, conversation, mailbox, smtp_server, enqueued, django_capture_on_commit_callbacks, published
):
    # given
    agent.signature = "Ольга\nСлужба заботы"
    agent.save(update_fields=["signature"])

    # when
    message = reply(conversation, agent, django_capture_on_commit_callbacks)

    # then: queued with our Message-ID, one task
    message.refresh_from_db()
    assert message.delivery_status == "queued"
    assert message.external_id.startswith(f"zb.{store.pk}.{message.pk}.")
    assert message.external_id.endswith("@shop.ru")
    assert message.meta["mailbox_id"] == mailbox.pk
    assert [r.task for r in enqueued] == [send_email]

    # when
    with django_capture_on_commit_callbacks(execute=True):
        assert run_tasks(enqueued) == ["sent"]

    # then
    [email] = received(smtp_server)
    assert smtp_server.recorder.received[0].mail_from == "support@shop.ru"
    assert smtp_server.recorder.received[0].rcpt_tos == ["ivan@example.ru"]
    assert email.message_id == message.external_id
    assert email.in_reply_to == CUSTOMER_MSGID
    assert email.references == (CUSTOMER_MSGID,)
    assert email.subject == f"Re: Где мой заказ [#{conversation.number}]"
    assert email.from_ is not None
    assert (email.from_.name, email.from_.address) == ("Ольга Агентова", "support@shop.ru")
    assert [(a.name, a.address) for a in email.to] == [("Иван Петров", "ivan@example.ru")]
    [reply_to] = email.reply_to
    _base, token, domain = split_address(reply_to.address)
    assert (reply_to.address.startswith("support+"), domain) == (True, "shop.ru")
    assert read_token(token, store_id=store.pk) == conversation.pk
    assert email.reply.reply == "Заказ в пути."
    assert email.text.strip().endswith("-- \nОльга\nСлужба заботы")
    assert email.headers["auto-submitted"] == "no"
    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_error) == ("sent", "")
    assert "sending_at" not in message.meta
    assert message.meta["send_attempts"] == 1
    assert delivery_events(conversation) == [("queued", "sent")]
    changes = [e.payload for e in published if e.event == "message.delivery_changed"]
    assert changes == [
        {"conversation_id": conversation.pk, "message_id": message.pk, "status": "sent", "error": ""}
    ]


def test_second_reply_references_the_whole_thread(
    agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    first = reply(conversation, agent, django_capture_on_commit_callbacks, text="Первый ответ")
    run_tasks(enqueued)
    first.refresh_from_db()

    second = reply(conversation, agent, django_capture_on_commit_callbacks, text="Второй ответ")
    run_tasks(enqueued)

    second.refresh_from_db()
    emails = received(smtp_server)
    assert [e.message_id for e in emails] == [first.external_id, second.external_id]
    assert emails[1].in_reply_to == CUSTOMER_MSGID
    assert emails[1].references == (CUSTOMER_MSGID, first.external_id)


def test_reply_with_an_attachment_carries_it(
    agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    pdf = InboundAttachment(
        filename="накладная.pdf", content_type="application/pdf", content=b"%PDF-1.4 demo"
    )

    reply(conversation, agent, django_capture_on_commit_callbacks, attachments=[pdf])
    run_tasks(enqueued)

    [email] = received(smtp_server)
    assert [(a.filename, a.payload) for a in email.attachments] == [("накладная.pdf", b"%PDF-1.4 demo")]


def test_bot_reply_is_marked_automatic(
    store, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply(conversation=conversation, text="Автоматический ответ", by=Actor.bot())
    run_tasks(enqueued)

    [email] = received(smtp_server)
    assert email.headers["auto-submitted"] == "auto-replied"
    assert email.from_ is not None
    assert email.from_.name == "Магазин «Пример»"


def test_permanent_refusal_fails_at_once_with_the_servers_words(
    agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    smtp_server.recorder.rcpt_replies["ivan@example.ru"] = "550 5.1.1 No such user here"

    message = reply(conversation, agent, django_capture_on_commit_callbacks)
    assert run_tasks(enqueued) == ["failed"]

    message.refresh_from_db()
    assert message.delivery_status == "failed"
    assert message.delivery_error == "Recipient refused: ivan@example.ru: 550 5.1.1 No such user here"
    assert list(enqueued) == []
    assert delivery_events(conversation) == [("queued", "failed")]


def test_temporary_refusal_is_retried_with_backoff_then_sent(
    agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    smtp_server.recorder.rcpt_replies["ivan@example.ru"] = "451 4.7.1 Greylisted, come back later"
    message = reply(conversation, agent, django_capture_on_commit_callbacks)
    before = timezone.now()

    [outcome] = run_tasks(enqueued)

    assert isinstance(outcome, dict)
    assert outcome["retry"] == 2
    message.refresh_from_db()
    assert message.delivery_status == "queued"
    assert message.delivery_error == (
        f"Attempt 1 of {MAX_ATTEMPTS} failed, will retry: "
        "Recipient refused: ivan@example.ru: 451 4.7.1 Greylisted, come back later"
    )
    [retry] = enqueued
    assert retry.kwargs[ATTEMPT_KWARG] == 2
    assert retry.task.run_after is not None
    assert before + timedelta(seconds=29) <= retry.task.run_after <= timezone.now() + timedelta(seconds=31)
    assert delivery_events(conversation) == []

    # when the server accepts again
    del smtp_server.recorder.rcpt_replies["ivan@example.ru"]
    assert run_tasks(enqueued) == ["sent"]

    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_error) == ("sent", "")
    assert message.meta["send_attempts"] == 2
    assert len(smtp_server.recorder.received) == 1
    assert delivery_events(conversation) == [("queued", "sent")]


def test_temporary_failure_on_the_last_attempt_fails_visibly(
    agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    smtp_server.recorder.data_replies.append("421 4.3.2 System not accepting network messages")
    message = reply(conversation, agent, django_capture_on_commit_callbacks)
    Message.objects.filter(pk=message.pk).update(
        meta={**Message.objects.get(pk=message.pk).meta, "send_attempts": MAX_ATTEMPTS - 1}
    )

    assert run_tasks(enqueued) == ["failed"]

    message.refresh_from_db()
    assert message.delivery_status == "failed"
    assert message.delivery_error == (
        f"Gave up after {MAX_ATTEMPTS} attempts. Last error: "
        "The server answered 421 4.3.2 System not accepting network messages"
    )
    assert list(enqueued) == []


def test_unreachable_server_is_retried(
    agent, conversation, mailbox, enqueued, django_capture_on_commit_callbacks
):
    from tests.connectors._smtp_helpers import free_port

    mailbox.smtp_port = free_port()
    mailbox.save(update_fields=["smtp_port"])
    message = reply(conversation, agent, django_capture_on_commit_callbacks)

    [outcome] = run_tasks(enqueued)

    assert isinstance(outcome, dict)
    message.refresh_from_db()
    assert message.delivery_status == "queued"
    assert message.delivery_error.endswith("Connection refused.")
    assert len(enqueued) == 1


def test_without_a_mailbox_the_reply_is_saved_and_failed_visibly(
    store, agent, enqueued, django_capture_on_commit_callbacks
):
    conversation = make_conversation(store, channel="email", text="Вопрос", customer=make_customer(store))

    message = reply(conversation, agent, django_capture_on_commit_callbacks, text="Ответ без почты")

    message.refresh_from_db()
    assert message.text == "Ответ без почты"
    assert message.delivery_status == "failed"
    assert message.delivery_error == (
        "Not sent: the store has no active mailbox with an SMTP server. "
        "Add one in the email settings, then send the reply again."
    )
    assert message.external_id == ""
    assert list(enqueued) == []
    assert delivery_events(conversation) == [("", "failed")]


def test_inactive_or_smtp_less_mailboxes_do_not_count(
    store, agent, enqueued, django_capture_on_commit_callbacks
):
    Mailbox.objects.create(store=store, name="off", address="off@shop.ru", smtp_host="h", is_active=False)
    Mailbox.objects.create(store=store, name="in only", address="in@shop.ru", smtp_host="")
    conversation = make_conversation(store, channel="email", text="Вопрос")

    message = reply(conversation, agent, django_capture_on_commit_callbacks)

    message.refresh_from_db()
    assert message.delivery_status == "failed"


def test_reply_goes_out_through_the_mailbox_the_customer_wrote_to(
    store, agent, conversation, mailbox, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    other = Mailbox.objects.create(
        store=store,
        name="Возвраты",
        address="returns@shop.ru",
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        smtp_security="none",
    )
    Message.objects.filter(conversation=conversation).update(meta={"mailbox_id": other.pk})

    message = reply(conversation, agent, django_capture_on_commit_callbacks)
    run_tasks(enqueued)

    message.refresh_from_db()
    assert message.meta["mailbox_id"] == other.pk
    assert message.external_id.endswith("@shop.ru")
    [email] = received(smtp_server)
    assert email.from_ is not None
    assert email.from_.address == "returns@shop.ru"
    assert smtp_server.recorder.received[0].mail_from == "returns@shop.ru"


def test_another_stores_mailbox_is_never_used(
    store, other_store, agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    foreign = Mailbox.objects.create(
        store=other_store, name="x", address="x@other.ru", smtp_host="127.0.0.1", smtp_port=smtp_server.port
    )
    Message.objects.filter(conversation=conversation).update(meta={"mailbox_id": foreign.pk})

    message = reply(conversation, agent, django_capture_on_commit_callbacks)

    message.refresh_from_db()
    assert message.meta["mailbox_id"] != foreign.pk
    assert Mailbox.objects.get(pk=message.meta["mailbox_id"]).store_id == store.pk


def test_chat_replies_are_not_emailed(store, agent, enqueued, django_capture_on_commit_callbacks, mailbox):
    conversation = make_conversation(store, channel="chat")

    message = reply(conversation, agent, django_capture_on_commit_callbacks)

    message.refresh_from_db()
    assert (message.delivery_status, message.external_id) == ("", "")
    assert list(enqueued) == []


def test_sending_twice_sends_once(
    agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    message = reply(conversation, agent, django_capture_on_commit_callbacks)
    [task] = enqueued

    assert task.task.call(*task.args, **task.kwargs) == "sent"
    assert send_email.call(store_id=message.store_id, message_id=message.pk) == "sent"

    assert len(smtp_server.recorder.received) == 1


def test_a_claimed_reply_is_left_to_its_worker(
    agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    message = reply(conversation, agent, django_capture_on_commit_callbacks)
    enqueued.clear()
    claimed_at = timezone.now() - timedelta(minutes=1)
    Message.objects.filter(pk=message.pk).update(meta={**message.meta, "sending_at": claimed_at.isoformat()})

    with django_capture_on_commit_callbacks(execute=True):
        assert send_email.call(store_id=message.store_id, message_id=message.pk) == "busy"

    assert smtp_server.recorder.received == []
    [later] = enqueued
    assert later.task.run_after == claimed_at + CLAIM_LEASE + timedelta(seconds=1)


def test_a_stale_claim_is_taken_over(
    agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    message = reply(conversation, agent, django_capture_on_commit_callbacks)
    stale = timezone.now() - CLAIM_LEASE - timedelta(seconds=5)
    Message.objects.filter(pk=message.pk).update(meta={**message.meta, "sending_at": stale.isoformat()})

    assert send_email.call(store_id=message.store_id, message_id=message.pk) == "sent"

    assert len(smtp_server.recorder.received) == 1


def test_task_for_another_stores_message_does_nothing(
    other_store, agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    message = reply(conversation, agent, django_capture_on_commit_callbacks)

    assert send_email.call(store_id=other_store.pk, message_id=message.pk) == "missing"
    assert send_email.call(store_id=message.store_id, message_id=987654321) == "missing"
    assert smtp_server.recorder.received == []
