"""Customers through the API: search, create, edit, identities, notes, merge and undo."""

from __future__ import annotations

import pytest

from tests.factories import make_conversation, make_customer
from zabota.customers.models import Customer, CustomerNote, Identity


def _ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_create_and_get(api, store):
    response = api.post(
        "/customers",
        {
            "name": "Анна Смирнова",
            "identities": [
                {"kind": "email", "value": "Anna@Mail.RU"},
                {"kind": "phone", "value": "8 916 000-11-22"},
            ],
        },
    )
    assert response.status_code == 201, response.content
    customer = Customer.objects.get()
    body = api.get(f"/customers/{customer.pk}").json()
    assert body["name"] == "Анна Смирнова"
    assert [(i["kind"], i["value"]) for i in body["identities"]] == [
        ("email", "anna@mail.ru"),
        ("phone", "+79160001122"),
    ]
    assert body["merged_into_id"] is None


@pytest.mark.parametrize(
    ("identity", "field"),
    [
        ({"kind": "email", "value": "anna@"}, "email"),
        ({"kind": "phone", "value": "1"}, "phone"),
        ({"kind": "fax", "value": "1"}, "kind"),
    ],
)
def test_create_with_invalid_identity_is_400(api, store, identity, field):
    response = api.post("/customers", {"name": "Анна", "identities": [identity]})
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("invalid", field)
    assert Customer.objects.count() == 0


def test_create_with_taken_identity_is_409(api, store):
    make_customer(store, email="taken@example.ru")
    response = api.post("/customers", {"identities": [{"kind": "email", "value": "taken@example.ru"}]})
    assert (response.status_code, response.json()["code"], response.json()["field"]) == (
        409,
        "conflict",
        "identities",
    )


def test_filters(api, store):
    anna = make_customer(store, name="Анна Смирнова", email="anna@example.ru")
    boris = make_customer(store, name="Борис", email="boris@example.ru")
    api.post(f"/customers/{boris.pk}/identities", {"kind": "phone", "value": "+7 916 123-45-67"})
    assert _ids(api.get("/customers")) == [boris.pk, anna.pk]
    assert _ids(api.get("/customers", {"q": "Смирн"})) == [anna.pk]
    assert _ids(api.get("/customers", {"q": "boris@"})) == [boris.pk]
    assert _ids(api.get("/customers", {"email": "ANNA@example.ru"})) == [anna.pk]
    assert _ids(api.get("/customers", {"phone": "89161234567"})) == [boris.pk]
    bad = api.get("/customers", {"email": "nope"})
    assert (bad.status_code, bad.json()["field"]) == (400, "email")


def test_patch(api, store):
    customer = make_customer(store, name="Анна")
    response = api.patch(f"/customers/{customer.pk}", {"first_name": "Анна", "last_name": "Смирнова"})
    assert (response.json()["first_name"], response.json()["last_name"], response.json()["name"]) == (
        "Анна",
        "Смирнова",
        "Анна",
    )
    too_long = api.patch(f"/customers/{customer.pk}", {"name": "я" * 201})
    assert (too_long.status_code, too_long.json()["code"], too_long.json()["field"]) == (
        422,
        "validation_error",
        "name",
    )


def test_identity_of_another_customer_is_409(api, store):
    make_customer(store, email="one@example.ru")
    other = make_customer(store)
    response = api.post(f"/customers/{other.pk}/identities", {"kind": "email", "value": "one@example.ru"})
    assert (response.status_code, response.json()["field"]) == (409, "value")


def test_note(api, store):
    customer = make_customer(store)
    response = api.post(f"/customers/{customer.pk}/notes", {"text": "Любит звонки после 18:00"})
    assert response.status_code == 201
    note = CustomerNote.objects.get()
    assert response.json()["id"] == note.pk
    assert (note.text, note.author_id) == ("Любит звонки после 18:00", None)
    empty = api.post(f"/customers/{customer.pk}/notes", {"text": "  "})
    assert (empty.status_code, empty.json()["field"]) == (400, "text")


def test_merge_and_undo(api, store):
    source = make_customer(store, email="a@example.ru")
    target = make_customer(store, email="b@example.ru")
    conversation = make_conversation(store, customer=source)
    response = api.post(f"/customers/{source.pk}/merge", {"target_id": target.pk})
    assert response.status_code == 201, response.content
    merge = response.json()
    assert (merge["source_id"], merge["target_id"], merge["undone_at"]) == (source.pk, target.pk, None)
    assert merge["moved"]["conversations"] == [conversation.pk]
    conversation.refresh_from_db()
    assert conversation.customer_id == target.pk
    assert _ids(api.get("/customers")) == [target.pk]
    assert sorted(Identity.objects.filter(customer=target).values_list("value", flat=True)) == [
        "a@example.ru",
        "b@example.ru",
    ]

    undone = api.post(f"/customers/merges/{merge['id']}/undo")
    assert undone.status_code == 200
    assert (undone.json()["id"], undone.json()["merged_into_id"]) == (source.pk, None)
    conversation.refresh_from_db()
    assert conversation.customer_id == source.pk
    again = api.post(f"/customers/merges/{merge['id']}/undo")
    assert (again.status_code, again.json()["code"]) == (409, "conflict")


def test_merge_into_itself_is_400(api, store):
    customer = make_customer(store)
    response = api.post(f"/customers/{customer.pk}/merge", {"target_id": customer.pk})
    assert (response.status_code, response.json()["field"]) == (400, "target")
