"""The customer list: search, pagination, conversation counts, store scoping and query count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_conversation, make_customer
from zabota.conversations import actions as conversation_actions
from zabota.customers.actions import add_identity
from zabota.stores.actors import Actor

LIST = "customers:list"


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent.user)
    return client


def _names(response) -> list[str]:
    return [c.display_name for c in response.context["page"]]


def test_anonymous_is_sent_to_login(client, store):
    response = client.get(reverse(LIST))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_list_shows_active_customers_of_this_store_only_with_counts(agent_client, store, other_store):
    # given
    anna = make_customer(store, name="Анна Петрова")
    boris = make_customer(store, name="Борис Иванов")
    make_conversation(store, customer=anna, channel="chat")
    make_conversation(store, customer=anna, channel="email")
    make_customer(other_store, name="Чужой Клиент")
    merged = make_customer(store, name="Дубль Анны")
    conversation_actions.merge_customers(source=merged, target=anna, by=Actor.system())

    # when
    response = agent_client.get(reverse(LIST))

    # then
    assert response.status_code == 200
    page = list(response.context["page"])
    assert [(c.pk, c.conversation_count) for c in page] == [(boris.pk, 0), (anna.pk, 2)]
    assert "Чужой Клиент" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("Петров", ["Анна Петрова"], id="name"),
        pytest.param("ANNA@Example.RU", ["Анна Петрова"], id="email-any-case"),
        pytest.param("8 (916) 123-45-67", ["Борис Иванов"], id="phone-national"),
        pytest.param("+7 916 123", ["Борис Иванов"], id="phone-prefix"),
        pytest.param("nobody", [], id="no-match"),
    ],
)
def test_search_by_name_email_and_phone(agent_client, store, query, expected):
    make_customer(store, name="Анна Петрова", email="anna@example.ru")
    boris = make_customer(store, name="Борис Иванов")
    add_identity(customer=boris, kind="phone", value="+79161234567", by=Actor.system())

    response = agent_client.get(reverse(LIST), {"q": query})

    assert response.status_code == 200
    assert _names(response) == expected


def test_pagination_25_per_page_and_keeps_the_query(agent_client, store):
    for n in range(30):
        make_customer(store, name=f"Клиент {n:02d}")

    first = agent_client.get(reverse(LIST), {"q": "Клиент"})
    second = agent_client.get(reverse(LIST), {"q": "Клиент", "page": 2})

    assert len(first.context["page"]) == 25
    assert _names(second) == [f"Клиент {n:02d}" for n in range(4, -1, -1)]
    assert "q=%D0%9A%D0%BB%D0%B8%D0%B5%D0%BD%D1%82&amp;page=2" in first.content.decode()


def test_htmx_search_returns_only_the_results_fragment(agent_client, store):
    make_customer(store, name="Анна Петрова")

    response = agent_client.get(reverse(LIST), {"q": "Анна"}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="customer-results">')
    assert "Анна Петрова" in body


def test_query_count_does_not_grow_with_customers(agent_client, store, django_assert_max_num_queries):
    for _ in range(20):
        customer = make_customer(store)
        make_conversation(store, customer=customer)

    # session, user, agent membership, count, page, identities prefetch (+ savepoints slack)
    with django_assert_max_num_queries(8):
        response = agent_client.get(reverse(LIST))

    assert response.status_code == 200
    assert len(response.context["page"]) == 20
