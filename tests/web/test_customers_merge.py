"""Merging customers from the UI (leads and admins) and undoing it from the merge history."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.factories import make_conversation, make_customer
from zabota.conversations import actions as conversation_actions
from zabota.conversations.models import Conversation
from zabota.customers.actions import add_identity, add_note
from zabota.customers.models import Customer, CustomerMerge, CustomerNote, Identity
from zabota.stores.actors import Actor


@pytest.fixture
def pair(store, agent):
    """A customer with a duplicate: each has identities, a note and conversations."""
    target = make_customer(store, name="Анна Петрова", email="anna@example.ru")
    source = make_customer(store, name="Анна (телефон)", email="anna.work@example.ru")
    add_identity(customer=source, kind="phone", value="+79161234567", by=Actor.system())
    add_note(customer=target, text="Постоянная покупательница", by=Actor.of_agent(agent))
    add_note(customer=source, text="Звонила про возврат", by=Actor.of_agent(agent))
    target_conversation = make_conversation(store, customer=target, text="Где заказ?")
    source_conversation = make_conversation(store, customer=source, channel="phone", text="Хочу вернуть")
    return target, source, target_conversation, source_conversation


def _snapshot(customer: Customer) -> dict[str, list[Any]]:
    return {
        "identities": sorted(Identity.objects.filter(customer=customer).values_list("kind", "value")),
        "notes": sorted(CustomerNote.objects.filter(customer=customer).values_list("text", flat=True)),
        "conversations": sorted(Conversation.objects.filter(customer=customer).values_list("id", flat=True)),
    }


@pytest.mark.parametrize("role", ["lead", "admin"])
def test_confirm_page_shows_what_moves(client, request, role, pair):
    target, source, _tc, source_conversation = pair
    client.force_login(request.getfixturevalue(role).user)

    response = client.get(reverse("customers:merge", args=[target.pk]), {"other": source.pk})

    body = response.content.decode()
    assert response.status_code == 200
    assert [i.value for i in response.context["moves"]["identities"]] == [
        "anna.work@example.ru",
        "+79161234567",
    ]
    assert [n.text for n in response.context["moves"]["notes"]] == ["Звонила про возврат"]
    assert [c.pk for c in response.context["moves"]["conversations"]] == [source_conversation.pk]
    assert "+79161234567" in body
    assert f"#{source_conversation.number}" in body


def test_search_for_the_other_customer_excludes_this_one(client, lead, pair):
    target, source, *_ = pair
    client.force_login(lead.user)

    response = client.get(reverse("customers:merge", args=[target.pk]), {"q": "Анна"})

    assert response.status_code == 200
    assert [c.pk for c in response.context["candidates"]] == [source.pk]
    assert f"?other={source.pk}" in response.content.decode()


def test_merge_then_undo_restores_everything_exactly(client, lead, pair):
    # given
    target, source, *_ = pair
    client.force_login(lead.user)
    before_target, before_source = _snapshot(target), _snapshot(source)

    # when: merge
    response = client.post(reverse("customers:merge", args=[target.pk]), {"other": source.pk})

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[target.pk])
    source.refresh_from_db()
    assert source.merged_into_id == target.pk
    assert _snapshot(source) == {"identities": [], "notes": [], "conversations": []}
    assert _snapshot(target) == {
        key: sorted(before_target[key] + before_source[key]) for key in before_target
    }
    merge = CustomerMerge.objects.get()
    assert (merge.source_id, merge.target_id, merge.merged_by_id, merge.undone_at) == (
        source.pk,
        target.pk,
        lead.pk,
        None,
    )

    # when: undo from the merge history on the target's profile
    profile = client.get(reverse("customers:detail", args=[target.pk]))
    assert reverse("customers:merge_undo", args=[merge.pk]) in profile.content.decode()
    response = client.post(reverse("customers:merge_undo", args=[merge.pk]))

    # then
    assert response.status_code == 302
    source.refresh_from_db()
    merge.refresh_from_db()
    assert source.merged_into_id is None
    assert merge.undone_by_id == lead.pk
    assert merge.undone_at is not None
    assert _snapshot(target) == before_target
    assert _snapshot(source) == before_source


def test_undo_twice_is_409(client, admin, pair):
    target, source, *_ = pair
    merge = conversation_actions.merge_customers(source=source, target=target, by=Actor.of_agent(admin))
    conversation_actions.unmerge_customers(merge=merge, by=Actor.of_agent(admin))
    client.force_login(admin.user)

    response = client.post(reverse("customers:merge_undo", args=[merge.pk]), follow=True)

    assert response.redirect_chain == [(reverse("customers:detail", args=[target.pk]), 302)]
    assert "already undone" in response.content.decode() or "уже" in response.content.decode()
    source.refresh_from_db()
    assert source.merged_into_id is None


def test_merging_an_already_merged_customer_is_409(client, lead, store, pair):
    target, source, *_ = pair
    third = make_customer(store, name="Третий")
    conversation_actions.merge_customers(source=source, target=third, by=Actor.of_agent(lead))
    client.force_login(lead.user)

    response = client.post(reverse("customers:merge", args=[target.pk]), {"other": source.pk})

    assert response.status_code == 409
    assert response.context["form_error"]
    assert CustomerMerge.objects.count() == 1


def test_merging_into_itself_is_400(client, lead, pair):
    target, *_ = pair
    client.force_login(lead.user)

    response = client.post(reverse("customers:merge", args=[target.pk]), {"other": target.pk})

    assert response.status_code == 400
    assert CustomerMerge.objects.count() == 0


def test_missing_other_is_400(client, lead, pair):
    target, *_ = pair
    client.force_login(lead.user)

    response = client.post(reverse("customers:merge", args=[target.pk]), {"other": "abc"})

    assert response.status_code == 400
    assert CustomerMerge.objects.count() == 0


def test_agent_gets_403_and_nothing_moves(client, agent, lead, pair):
    target, source, *_ = pair
    merge_by_lead = None
    client.force_login(agent.user)
    before = _snapshot(source)

    page = client.get(reverse("customers:merge", args=[target.pk]), {"other": source.pk})
    post = client.post(reverse("customers:merge", args=[target.pk]), {"other": source.pk})

    assert (page.status_code, post.status_code) == (403, 403)
    assert CustomerMerge.objects.count() == 0
    assert _snapshot(source) == before

    merge_by_lead = conversation_actions.merge_customers(
        source=source, target=target, by=Actor.of_agent(lead)
    )
    undo = client.post(reverse("customers:merge_undo", args=[merge_by_lead.pk]))
    assert undo.status_code == 403
    merge_by_lead.refresh_from_db()
    assert merge_by_lead.undone_at is None


def test_another_stores_customers_and_merges_are_404(client, lead, store, other_store, pair):
    target, *_ = pair
    foreign_target = make_customer(other_store, name="Чужой")
    foreign_source = make_customer(other_store, name="Чужой дубль")
    foreign_merge = conversation_actions.merge_customers(
        source=foreign_source, target=foreign_target, by=Actor.system()
    )
    client.force_login(lead.user)

    responses = [
        client.get(reverse("customers:merge", args=[foreign_target.pk])),
        client.get(reverse("customers:merge", args=[target.pk]), {"other": foreign_target.pk}),
        client.post(reverse("customers:merge", args=[target.pk]), {"other": foreign_target.pk}),
        client.post(reverse("customers:merge_undo", args=[foreign_merge.pk])),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    foreign_merge.refresh_from_db()
    assert foreign_merge.undone_at is None
    assert CustomerMerge.objects.count() == 1
