"""Email replies that come back: bounces, sending a failed or bounced reply again, the resend view."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conversations import _email_outbound_helpers as h
from tests.conversations._email_outbound_helpers import (
    CUSTOMER_MSGID,
    delivery_events,
    reply,
    run_tasks,
)
from tests.factories import make_agent, make_conversation, make_customer
from zabota.connectors.models import Mailbox
from zabota.conversations.email_outbound import (
    mark_bounced,
    retry_email,
)
from zabota.conversations.models import Conversation, Message
from zabota.core.errors import InvalidInput, PermissionDenied
from zabota.stores.actors import Actor

_english_store = h._english_store
smtp_server = h.smtp_server
mailbox = h.mailbox
conversation = h.conversation


# --- bounces -----------------------------------------------------------------------------------------


def sent_reply(agent, conversation, enqueued, capture) -> Message:
    message = reply(conversation, agent, capture)
    run_tasks(enqueued)
    message.refresh_from_db()
    return message


def test_bounce_marks_the_reply_it_returns(
    store, agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks, published
):
    message = sent_reply(agent, conversation, enqueued, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        found = mark_bounced(
            store_id=store.pk, message_id=f"<{message.external_id}>", reason="5.1.1 user unknown"
        )

    assert found is True
    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_error) == ("bounced", "5.1.1 user unknown")
    assert delivery_events(conversation) == [("queued", "sent"), ("sent", "bounced")]
    assert published[-1].event == "message.delivery_changed"
    assert published[-1].payload["status"] == "bounced"


def test_bounce_twice_records_one_event(
    store, agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    message = sent_reply(agent, conversation, enqueued, django_capture_on_commit_callbacks)

    assert mark_bounced(message=message, reason="mailbox full") is True
    assert mark_bounced(store_id=store.pk, message_id=message.external_id, reason="mailbox full") is True

    assert delivery_events(conversation) == [("queued", "sent"), ("sent", "bounced")]


def test_bounce_of_an_unknown_or_foreign_message_is_ignored(
    store, other_store, agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    message = sent_reply(agent, conversation, enqueued, django_capture_on_commit_callbacks)

    assert mark_bounced(store_id=other_store.pk, message_id=message.external_id, reason="x") is False
    assert mark_bounced(store_id=store.pk, message_id="nobody@nowhere", reason="x") is False
    assert mark_bounced(store_id=store.pk, message_id=CUSTOMER_MSGID, reason="x") is False  # inbound
    assert mark_bounced(store_id=store.pk, message_id="", reason="x") is False

    message.refresh_from_db()
    assert message.delivery_status == "sent"


# --- sending again -----------------------------------------------------------------------------------


def test_failed_reply_can_be_sent_again(
    agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    smtp_server.recorder.rcpt_replies["ivan@example.ru"] = "550 no such user"
    message = reply(conversation, agent, django_capture_on_commit_callbacks)
    run_tasks(enqueued)
    del smtp_server.recorder.rcpt_replies["ivan@example.ru"]

    with django_capture_on_commit_callbacks(execute=True):
        retry_email(message=message, by=Actor.of_agent(agent))

    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_error) == ("queued", "")
    assert run_tasks(enqueued) == ["sent"]
    message.refresh_from_db()
    assert message.delivery_status == "sent"
    assert delivery_events(conversation) == [("queued", "failed"), ("failed", "queued"), ("queued", "sent")]
    assert len(smtp_server.recorder.received) == 1


def test_reply_that_failed_for_lack_of_a_mailbox_is_sent_once_one_exists(
    store, agent, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    conversation = make_conversation(
        store, channel="email", text="Вопрос", customer=make_customer(store, email="petr@example.ru")
    )
    message = reply(conversation, agent, django_capture_on_commit_callbacks)
    with pytest.raises(InvalidInput, match="no active mailbox"):
        retry_email(message=message, by=Actor.of_agent(agent))
    Mailbox.objects.create(
        store=store,
        name="s",
        address="help@shop.ru",
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        smtp_security="none",
    )

    with django_capture_on_commit_callbacks(execute=True):
        retry_email(message=message, by=Actor.of_agent(agent))
    assert run_tasks(enqueued) == ["sent"]

    message.refresh_from_db()
    assert message.delivery_status == "sent"
    assert message.external_id.endswith("@shop.ru")
    assert smtp_server.recorder.received[0].rcpt_tos == ["petr@example.ru"]


def test_sent_reply_cannot_be_sent_again(
    agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    message = sent_reply(agent, conversation, enqueued, django_capture_on_commit_callbacks)

    with pytest.raises(InvalidInput, match="not waiting to be sent again"):
        retry_email(message=message, by=Actor.of_agent(agent))


def test_agent_of_another_store_cannot_send_again(
    other_store, agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    smtp_server.recorder.rcpt_replies["ivan@example.ru"] = "550 no"
    message = reply(conversation, agent, django_capture_on_commit_callbacks)
    run_tasks(enqueued)

    with pytest.raises(PermissionDenied):
        retry_email(message=message, by=Actor.of_agent(make_agent(other_store)))

    message.refresh_from_db()
    assert message.delivery_status == "failed"


# --- the thread ----------------------------------------------------------------------------------------

HX = {"HTTP_HX_REQUEST": "true", "HTTP_ACCEPT_LANGUAGE": "en"}


def resend_url(conversation: Conversation, message: Message) -> str:
    return reverse(
        "conversation_message_resend", kwargs={"number": conversation.number, "message_id": message.pk}
    )


def failed_reply(agent, conversation, smtp_server, enqueued, capture) -> Message:
    smtp_server.recorder.rcpt_replies["ivan@example.ru"] = "550 5.1.1 No such user"
    message = reply(conversation, agent, capture)
    run_tasks(enqueued)
    del smtp_server.recorder.rcpt_replies["ivan@example.ru"]
    message.refresh_from_db()
    return message


def test_thread_shows_the_failure_and_sends_again(
    client, agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    message = failed_reply(agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks)
    client.force_login(agent.user)

    page = client.get(
        reverse("conversation", kwargs={"number": conversation.number}), HTTP_ACCEPT_LANGUAGE="en"
    )

    html = page.content.decode()
    assert "Not delivered: Recipient refused: ivan@example.ru: 550 5.1.1 No such user" in html
    assert html.count(resend_url(conversation, message)) == 2  # action and hx-post
    assert ">Send again</button>" in html

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resend_url(conversation, message), **HX)

    # then
    assert response.status_code == 200
    assert "The reply is queued to be sent again." in response.content.decode()
    assert run_tasks(enqueued) == ["sent"]
    message.refresh_from_db()
    assert message.delivery_status == "sent"
    page = client.get(
        reverse("conversation", kwargs={"number": conversation.number}), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert resend_url(conversation, message) not in page.content.decode()


def test_sending_a_sent_reply_again_is_a_clear_error(
    client, agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    message = sent_reply(agent, conversation, enqueued, django_capture_on_commit_callbacks)
    client.force_login(agent.user)

    response = client.post(resend_url(conversation, message), **HX)

    assert response.status_code == 400
    assert "This reply is not waiting to be sent again." in response.content.decode()
    assert len(smtp_server.recorder.received) == 1


def test_another_stores_message_or_conversation_is_404(
    client, store, other_store, agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    message = failed_reply(agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks)
    elsewhere = make_conversation(store, channel="email", text="Другое")
    stranger = make_agent(other_store)
    client.force_login(stranger.user)

    assert client.post(resend_url(conversation, message), **HX).status_code == 404

    client.force_login(agent.user)
    wrong_conversation = reverse(
        "conversation_message_resend", kwargs={"number": elsewhere.number, "message_id": message.pk}
    )
    assert client.post(wrong_conversation, **HX).status_code == 404
    message.refresh_from_db()
    assert message.delivery_status == "failed"


def test_resend_needs_post(
    client, agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks
):
    message = failed_reply(agent, conversation, smtp_server, enqueued, django_capture_on_commit_callbacks)
    client.force_login(agent.user)

    assert client.get(resend_url(conversation, message)).status_code == 405


def test_the_reply_page_says_not_sent_when_there_is_no_mailbox(store, agent, client):
    conversation = make_conversation(store, channel="email", text="Вопрос", customer=make_customer(store))
    client.force_login(agent.user)

    response = client.post(
        f"/c/{conversation.number}/reply/", {"text": "Ответ без почты", "then": ""}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "The reply is saved in the conversation. Not sent: the store has no active mailbox" in html
    assert "Reply sent." not in html
