"""The customer profile: name, identities, notes, conversations; store scoping and bad input."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_conversation, make_customer
from zabota.conversations import actions as conversation_actions
from zabota.customers.actions import add_note
from zabota.customers.models import CustomerNote, Identity
from zabota.stores.actors import Actor


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent.user)
    return client


@pytest.fixture
def customer(store):
    return make_customer(store, name="Анна Петрова", email="anna@example.ru")


def _identities(customer) -> list[tuple[str, str]]:
    return list(
        Identity.objects.filter(customer=customer).order_by("kind", "value").values_list("kind", "value")
    )


def test_profile_shows_identities_notes_and_conversations(agent_client, store, agent, customer):
    # given
    add_note(customer=customer, text="Любит доставку курьером", by=Actor.of_agent(agent))
    chat = make_conversation(store, customer=customer, channel="chat", text="Где заказ?")
    email = make_conversation(store, customer=customer, channel="email", text="Возврат")
    conversation_actions.set_status(conversation=email, status="solved", by=Actor.of_agent(agent))

    # when
    response = agent_client.get(reverse("customers:detail", args=[customer.pk]))

    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert [c.pk for c in response.context["conversations"]] == [email.pk, chat.pk]
    assert "anna@example.ru" in body
    assert "Любит доставку курьером" in body
    assert f'id="conversation-{email.number}"' in body
    assert "Решён" in body or "Solved" in body
    assert response.context["may_merge"] is False
    assert reverse("customers:merge", args=[customer.pk]) not in body


def test_lead_sees_the_merge_button(client, lead, customer):
    client.force_login(lead.user)

    response = client.get(reverse("customers:detail", args=[customer.pk]))

    assert reverse("customers:merge", args=[customer.pk]) in response.content.decode()


def test_rename(agent_client, customer):
    response = agent_client.post(
        reverse("customers:rename", args=[customer.pk]),
        {"name": " Анна Сергеевна Петрова ", "first_name": "Анна", "last_name": "Петрова"},
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.first_name, customer.last_name) == (
        "Анна Сергеевна Петрова",
        "Анна",
        "Петрова",
    )


@pytest.mark.parametrize(
    ("kind", "value", "stored"),
    [
        pytest.param("phone", "8 (916) 123-45-67", ("phone", "+79161234567"), id="phone-to-e164"),
        pytest.param("email", " Anna.P@Mail.RU ", ("email", "anna.p@mail.ru"), id="email-lowercased"),
        pytest.param("telegram", "@AnnaP", ("telegram", "annap"), id="telegram-handle"),
    ],
)
def test_add_identity_is_normalised(agent_client, customer, kind, value, stored):
    response = agent_client.post(
        reverse("customers:identity_add", args=[customer.pk]), {"kind": kind, "value": value}
    )

    assert response.status_code == 302
    assert _identities(customer) == sorted([("email", "anna@example.ru"), stored])


def test_add_invalid_phone_is_400_with_the_error(agent_client, customer):
    response = agent_client.post(
        reverse("customers:identity_add", args=[customer.pk]), {"kind": "phone", "value": "12"}
    )

    assert response.status_code == 400
    assert (
        "is not a valid phone number" in response.content.decode() or "телефон" in response.content.decode()
    )
    assert _identities(customer) == [("email", "anna@example.ru")]


def test_add_identity_of_another_customer_is_409(agent_client, store, customer):
    make_customer(store, name="Борис", email="boris@example.ru")

    response = agent_client.post(
        reverse("customers:identity_add", args=[customer.pk]), {"kind": "email", "value": "Boris@example.ru"}
    )

    assert response.status_code == 409
    assert response.context["identity_form"].errors["value"]
    assert _identities(customer) == [("email", "anna@example.ru")]


def test_unknown_identity_kind_is_400(agent_client, customer):
    response = agent_client.post(
        reverse("customers:identity_add", args=[customer.pk]), {"kind": "icq", "value": "123"}
    )

    assert response.status_code == 400
    assert _identities(customer) == [("email", "anna@example.ru")]


def test_remove_identity(agent_client, customer):
    identity = Identity.objects.get(customer=customer)

    response = agent_client.post(reverse("customers:identity_remove", args=[customer.pk, identity.pk]))

    assert response.status_code == 302
    assert _identities(customer) == []


def test_remove_identity_of_another_customer_through_this_url_is_404(agent_client, store, customer):
    other = make_customer(store, email="other@example.ru")
    identity = Identity.objects.get(customer=other)

    response = agent_client.post(reverse("customers:identity_remove", args=[customer.pk, identity.pk]))

    assert response.status_code == 404
    assert Identity.objects.filter(pk=identity.pk).exists()


def test_add_note(agent_client, agent, customer):
    response = agent_client.post(
        reverse("customers:note_add", args=[customer.pk]), {"text": " Просила звонить после 18:00 "}
    )

    assert response.status_code == 302
    assert list(CustomerNote.objects.filter(customer=customer).values_list("text", "author")) == [
        ("Просила звонить после 18:00", agent.pk)
    ]


def test_blank_note_is_400(agent_client, customer):
    response = agent_client.post(reverse("customers:note_add", args=[customer.pk]), {"text": "   "})

    assert response.status_code == 400
    assert response.context["note_form"].errors
    assert CustomerNote.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "method", "data"),
    [
        pytest.param("customers:detail", "get", {}, id="detail"),
        pytest.param("customers:rename", "post", {"name": "X"}, id="rename"),
        pytest.param(
            "customers:identity_add", "post", {"kind": "email", "value": "x@example.ru"}, id="identity"
        ),
        pytest.param("customers:note_add", "post", {"text": "x"}, id="note"),
    ],
)
def test_another_stores_customer_is_404(agent_client, other_store, name, method, data):
    foreign = make_customer(other_store, name="Чужой", email="foreign@example.ru")

    response = getattr(agent_client, method)(reverse(name, args=[foreign.pk]), data)

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "Чужой"
    assert _identities(foreign) == [("email", "foreign@example.ru")]
    assert CustomerNote.objects.count() == 0


def test_remove_identity_of_another_store_is_404(agent_client, other_store):
    foreign = make_customer(other_store, email="foreign@example.ru")
    identity = Identity.objects.get(customer=foreign)

    response = agent_client.post(reverse("customers:identity_remove", args=[foreign.pk, identity.pk]))

    assert response.status_code == 404
    assert Identity.objects.filter(pk=identity.pk).exists()
