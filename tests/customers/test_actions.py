"""create_customer, resolve_identity, identities and notes."""

from __future__ import annotations

import pytest

from tests.conversations.helpers import delivered, subscribe
from tests.factories import make_customer
from zabota.core.errors import Conflict, InvalidInput
from zabota.customers import actions
from zabota.customers.models import Customer, CustomerNote, Identity
from zabota.stores.actors import Actor


def test_create_customer_normalises_and_emits(store, enqueued, django_capture_on_commit_callbacks):
    subscription = subscribe(store)
    with django_capture_on_commit_callbacks(execute=True):
        customer = actions.create_customer(
            store=store,
            by=Actor.system(),
            name=" Ирина ",
            identities=[("email", "IRA@Mail.ru"), ("phone", "8 916 123-45-67")],
        )
    assert customer.name == "Ирина"
    assert sorted(Identity.objects.values_list("kind", "value")) == [
        ("email", "ira@mail.ru"),
        ("phone", "+79161234567"),
    ]
    assert delivered(subscription) == ["customer.created"]
    assert len(enqueued) == 1


def test_create_customer_with_a_taken_identity_writes_nothing(store):
    make_customer(store, email="ira@mail.ru")
    with pytest.raises(Conflict) as caught:
        actions.create_customer(store=store, by=Actor.system(), identities=[("email", "IRA@mail.ru")])
    assert caught.value.field == "identities"
    assert Customer.objects.count() == 1


def test_resolve_identity_finds_or_creates(store, other_store):
    first, created = actions.resolve_identity(store=store, kind="phone", value="+7 916 123 45 67", name="Ира")
    again, created_again = actions.resolve_identity(store=store, kind="phone", value="8 (916) 123-45-67")
    elsewhere, created_elsewhere = actions.resolve_identity(
        store=other_store, kind="phone", value="89161234567"
    )
    assert (created, created_again, created_elsewhere) == (True, False, True)
    assert again.pk == first.pk
    assert elsewhere.pk != first.pk


def test_add_identity(store):
    customer = make_customer(store)
    other = make_customer(store, email="busy@mail.ru")
    identity = actions.add_identity(customer=customer, kind="telegram", value="@Ira", by=Actor.system())
    assert (
        actions.add_identity(customer=customer, kind="telegram", value="ira", by=Actor.system()).pk
        == identity.pk
    )
    with pytest.raises(Conflict) as caught:
        actions.add_identity(customer=customer, kind="email", value="BUSY@mail.ru", by=Actor.system())
    assert caught.value.field == "value"
    with pytest.raises(InvalidInput) as caught:
        actions.add_identity(customer=customer, kind="email", value="нет", by=Actor.system())
    assert caught.value.field == "email"
    assert Identity.objects.filter(customer=other).count() == 1
    assert Identity.objects.filter(customer=customer).count() == 2


def test_add_note(store, agent):
    customer = make_customer(store)
    note = actions.add_note(customer=customer, text="  Любит звонки  ", by=Actor.of_agent(agent))
    assert (note.text, note.author_id, note.store_id) == ("Любит звонки", agent.pk, store.pk)
    with pytest.raises(InvalidInput) as caught:
        actions.add_note(customer=customer, text=" ", by=Actor.of_agent(agent))
    assert caught.value.field == "text"
    assert CustomerNote.objects.count() == 1
