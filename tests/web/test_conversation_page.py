"""The conversation page: thread, notes, attachments, sidebar, scripts, timeline; store scoping."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_conversation, make_customer, make_message
from zabota.connectors.inbound import InboundAttachment
from zabota.conversations import actions
from zabota.conversations.models import Conversation
from zabota.customers.actions import add_note as add_customer_note
from zabota.stores.actors import Actor

pytestmark = pytest.mark.django_db


def _url(conversation: Conversation) -> str:
    return reverse("conversation", kwargs={"number": conversation.number})


def test_page_shows_thread_with_distinct_note_and_attachment(client, store, agent):
    # given
    customer = make_customer(store, name="Пётр Сидоров")
    conv = make_conversation(store, customer=customer, text="Коробка пришла мятой")
    actions.receive_message(
        store=store,
        customer=customer,
        channel="chat",
        text="Вот фото",
        by=Actor.customer(),
        conversation=conv,
        attachments=[InboundAttachment(filename="box.png", content_type="image/png", content=b"PNG")],
    )
    by = Actor.of_agent(agent)
    actions.reply(conversation=conv, text="Сочувствуем, оформим возврат", by=by)
    actions.add_note(conversation=conv, text="Проверить склад", by=by)
    client.force_login(agent.user)

    # when
    response = client.get(_url(conv), HTTP_ACCEPT_LANGUAGE="en")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="msg msg-inbound author-customer"') == 2
    assert html.count('class="msg msg-outbound author-agent"') == 1
    assert html.count('class="msg msg-note author-agent"') == 1
    assert "Проверить склад" in html
    assert "box.png" in html
    assert "Пётр Сидоров" in html
    assert 'id="timeline"' in html
    assert "Ольга Агентова replied" in html
    assert "Ольга Агентова added an internal note" in html


def test_sidebar_lists_identities_other_conversations_and_customer_notes(client, store, agent):
    customer = make_customer(store, name="Анна", email="anna@example.ru")
    old = make_conversation(store, customer=customer, text="Старый вопрос", channel="email")
    conv = make_conversation(store, customer=customer, text="Новый вопрос")
    add_customer_note(customer=customer, text="Постоянный покупатель", by=Actor.of_agent(agent))
    client.force_login(agent.user)

    html = client.get(_url(conv)).content.decode()

    assert "anna@example.ru" in html
    assert f'href="{_url(old)}"' in html
    assert "Постоянный покупатель" in html


def test_matching_scripts_are_shown_with_steps(client, store, agent, admin):
    actions.save_script(
        store=store,
        by=Actor.of_agent(admin),
        name="Возврат товара",
        category="return",
        channel="chat",
        steps=[("Поприветствовать", "Здравствуйте! Помогу с возвратом."), ("Номер заказа", "Уточните номер")],
    )
    actions.save_script(
        store=store,
        by=Actor.of_agent(admin),
        name="Звонок",
        category="return",
        channel="phone",
        steps=[("Телефон", "Только для звонков")],
    )
    conv = make_conversation(store, category="return")
    client.force_login(agent.user)

    html = client.get(_url(conv)).content.decode()

    assert "Возврат товара" in html
    assert "Уточните номер" in html
    assert "Только для звонков" not in html


def test_other_store_number_is_404(client, store, other_store, agent):
    make_conversation(store)
    foreign = make_conversation(other_store)
    foreign_only = make_conversation(other_store)
    client.force_login(agent.user)

    assert client.get(_url(foreign_only)).status_code == 404
    assert client.get(reverse("conversation", kwargs={"number": 999})).status_code == 404
    assert foreign.number == 1  # the same number in this store is this store's conversation
    assert client.get(_url(foreign)).context["conversation"].store_id == store.pk


def test_merged_conversation_redirects_to_target(client, store, agent):
    source = make_conversation(store)
    target = make_conversation(store, channel="email")
    actions.merge_conversations(source=source, target=target, by=Actor.of_agent(agent))
    client.force_login(agent.user)

    response = client.get(_url(source))

    assert response.status_code == 302
    assert response["Location"] == _url(target)


def test_page_query_count_does_not_grow_with_messages(client, store, agent, django_assert_max_num_queries):
    conv = make_conversation(store)
    for i in range(20):
        make_message(conv, text=f"Сообщение {i}")
        actions.add_note(conversation=conv, text=f"Заметка {i}", by=Actor.of_agent(agent))
    client.force_login(agent.user)

    with django_assert_max_num_queries(20):
        response = client.get(_url(conv))
    assert len(response.context["thread"]) == 41


def test_login_page_renders_and_logs_in(client, store, agent):
    page = client.get(reverse("login"))
    response = client.post(reverse("login"), {"username": agent.user.username, "password": "pass12345!"})

    assert page.status_code == 200
    assert b'name="username"' in page.content
    assert response.status_code == 302
    assert response["Location"] == reverse("inbox")
