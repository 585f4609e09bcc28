"""A received email in the thread: the new text, quoted text behind a toggle, HTML with remote images
blocked, and inline ``cid:`` images pointing at the stored attachments."""

from __future__ import annotations

from email.message import EmailMessage

from django.urls import reverse

from zabota.connectors import actions as connector_actions
from zabota.conversations import email_inbound
from zabota.conversations.models import Conversation, Message
from zabota.conversations.templatetags.email_display import email_html
from zabota.stores.actors import Actor

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _receive(store, mail: EmailMessage) -> Message:
    mailbox = connector_actions.create_mailbox(
        store=store, by=Actor.system(), name="Поддержка", address="support@shop.test"
    )
    row = email_inbound.store_raw_email(mailbox=mailbox, raw=mail.as_bytes(), source="http")
    row = email_inbound.process_raw_email(row.pk)
    assert row.status == "processed", row.error
    return Message.objects.get(pk=row.message_pk)


def _mail(html: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "Иван <ivan@example.ru>"
    mail["To"] = "support@shop.test"
    mail["Subject"] = "Коробка"
    mail["Message-ID"] = "<box.1@example.ru>"
    mail.set_content(
        "Коробка пришла помятой.\n\n"
        "От: Магазин <support@shop.test>\n"
        "Отправлено: 23 ноября 2026 г. 10:00\n"
        "Кому: ivan@example.ru\n"
        "Тема: Заказ отправлен\n\n"
        "Ваш заказ отправлен.\n"
    )
    mail.add_alternative(html, subtype="html")
    return mail


def test_thread_shows_new_text_and_hides_quoted_and_remote_images(client, store, agent):
    message = _receive(
        store,
        _mail('<p>Коробка пришла помятой.</p><img src="https://tracker.example.net/p.gif" alt="px">'),
    )
    conversation = Conversation.objects.get(store=store)
    client.force_login(agent.user)

    page = client.get(reverse("conversation", args=[conversation.number])).content.decode()

    assert message.text == "Коробка пришла помятой."
    assert '<div class="msg-body email-body">Коробка пришла помятой.</div>' in page
    assert "Show quoted text" in page
    assert "Ваш заказ отправлен." in page  # inside the closed <details>
    assert 'data-remote-src="https://tracker.example.net/p.gif"' in page
    assert 'src="https://tracker.example.net' not in page.replace("data-remote-src", "")
    assert "1 remote image was blocked." in page
    assert "data-show-images" in page


def test_cid_images_point_at_their_attachments(store):
    mail = _mail('<p>Фото:</p><img src="cid:photo.1@example.ru" alt="photo">')
    html_part = mail.get_body(("html",))
    assert html_part is not None
    html_part.add_related(
        PNG, "image", "png", cid="<photo.1@example.ru>", filename="photo.png", disposition="inline"
    )
    message = _receive(store, mail)
    attachment = message.attachments.get()

    rendered = str(email_html(message))

    assert attachment.inline_cid.strip("<>") == "photo.1@example.ru"
    assert f'src="{attachment.file.url}" data-cid="photo.1@example.ru"' in rendered


def test_unknown_cid_and_plain_html_are_left_alone(store):
    message = _receive(store, _mail('<p>x</p><img src="cid:missing@x" alt="m">'))

    assert str(email_html(message)).count('data-cid="missing@x"') == 1
    assert "src=" not in str(email_html(message)).replace("data-cid", "")
