"""Merging conversations, and merging / unmerging customers with their conversations."""

from __future__ import annotations

import pytest

from tests.conversations.helpers import delivered, last_event_id, names, subscribe, timeline
from tests.factories import make_agent, make_conversation, make_customer
from zabota.conversations import actions
from zabota.conversations.models import Conversation, Message
from zabota.core.errors import Conflict, InvalidInput, PermissionDenied
from zabota.customers.actions import add_identity, add_note
from zabota.customers.models import Customer, CustomerMerge, CustomerNote, Identity
from zabota.stores.actors import Actor
from zabota.webhooks.models import WebhookDelivery


def test_merge_conversations(store, agent, published, django_capture_on_commit_callbacks):
    # given
    customer = make_customer(store)
    source = make_conversation(store, customer=customer, channel="email", text="Письмо")
    target = make_conversation(store, customer=customer, channel="chat", text="Чат")
    actions.set_tags(conversation=source, names=["брак"], by=Actor.of_agent(agent))
    source_messages = list(Message.objects.filter(conversation=source).values_list("id", flat=True))
    subscription = subscribe(store)
    before = last_event_id()
    published.clear()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = actions.merge_conversations(source=source, target=target, by=Actor.of_agent(agent))
    # then
    source.refresh_from_db()
    target.refresh_from_db()
    assert result.pk == target.pk
    assert (source.status, source.merged_into_id, source.message_count, source.waiting_since) == (
        "closed",
        target.pk,
        0,
        None,
    )
    assert target.message_count == 2
    assert sorted(Message.objects.filter(conversation=target).values_list("id", flat=True)) == sorted(
        [*source_messages, *Message.objects.filter(text="Чат").values_list("id", flat=True)]
    )
    assert list(target.tags.values_list("name", flat=True)) == ["брак"]
    a = agent.pk
    assert timeline(source, after=before) == [
        ("merged_into", "agent", a, {"target_id": target.pk, "target_number": target.number, "messages": 1})
    ]
    assert timeline(target, after=before) == [
        ("merged_from", "agent", a, {"source_id": source.pk, "source_number": source.number, "messages": 1})
    ]
    assert names(published) == ["conversation.updated", "conversation.updated"]
    assert published[0].payload["changes"] == {"status": ["new", "closed"], "merged_into": target.pk}
    assert published[1].payload["changes"] == {"merged_from": source.pk}
    assert delivered(subscription) == [
        "conversation.updated",
        "conversation.status_changed",
        "conversation.updated",
    ]
    assert list(Conversation.objects.for_store(store).values_list("id", flat=True)) == [target.pk]


def test_merge_conversations_refusals(store, other_store, agent):
    a = make_conversation(store)
    b = make_conversation(store)
    foreign = make_conversation(other_store)
    by = Actor.of_agent(agent)
    with pytest.raises(InvalidInput) as caught:
        actions.merge_conversations(source=a, target=a, by=by)
    assert caught.value.field == "target"
    with pytest.raises(InvalidInput) as caught:
        actions.merge_conversations(source=a, target=foreign, by=by)
    assert caught.value.field == "target"
    actions.merge_conversations(source=a, target=b, by=by)
    with pytest.raises(Conflict):
        actions.merge_conversations(source=a, target=b, by=by)
    with pytest.raises(PermissionDenied):
        actions.merge_conversations(source=foreign, target=b, by=by)
    assert Conversation.objects.filter(merged_into__isnull=False).count() == 1


@pytest.fixture
def pair(store, lead):
    """Two customers of one person: identities, notes and conversations on both."""
    source = make_customer(store, name="Ира", email="ira@mail.ru")
    add_identity(customer=source, kind="phone", value="8 916 123-45-67", by=Actor.system())
    add_note(customer=source, text="Просила звонить после 18:00", by=Actor.of_agent(lead))
    target = make_customer(store, name="Ирина Петрова", email="irina@yandex.ru")
    add_note(customer=target, text="Постоянный клиент", by=Actor.of_agent(lead))
    source_conversations = [make_conversation(store, customer=source, channel=c) for c in ("chat", "email")]
    target_conversation = make_conversation(store, customer=target, channel="telegram")
    return source, target, source_conversations, target_conversation


def _owned(customer: Customer) -> tuple[list[str], list[str], list[int]]:
    return (
        sorted(f"{i.kind}:{i.value}" for i in Identity.objects.filter(customer=customer)),
        sorted(CustomerNote.objects.filter(customer=customer).values_list("text", flat=True)),
        sorted(Conversation.objects.filter(customer=customer).values_list("id", flat=True)),
    )


def test_merge_and_unmerge_customers(store, lead, pair, django_capture_on_commit_callbacks):
    source, target, source_conversations, target_conversation = pair
    source_before, target_before = _owned(source), _owned(target)
    subscription = subscribe(store)
    before = last_event_id()
    # merge
    with django_capture_on_commit_callbacks(execute=True):
        merge = actions.merge_customers(source=source, target=target, by=Actor.of_agent(lead))
    source.refresh_from_db()
    assert source.merged_into_id == target.pk
    assert _owned(source) == ([], [], [])
    assert _owned(target) == (
        ["email:ira@mail.ru", "email:irina@yandex.ru", "phone:+79161234567"],
        ["Постоянный клиент", "Просила звонить после 18:00"],
        sorted([target_conversation.pk, *(c.pk for c in source_conversations)]),
    )
    merge.refresh_from_db()
    assert (merge.source_id, merge.target_id, merge.merged_by_id, merge.undone_at) == (
        source.pk,
        target.pk,
        lead.pk,
        None,
    )
    assert sorted(merge.moved) == ["conversations", "identities", "notes"]
    assert sorted(merge.moved["conversations"]) == sorted(c.pk for c in source_conversations)
    for conversation in source_conversations:
        assert timeline(conversation, after=before) == [
            ("customer_changed", "agent", lead.pk, {"from": source.pk, "to": target.pk, "merge_id": merge.pk})
        ]
    assert timeline(target_conversation, after=before) == []
    assert delivered(subscription) == ["customer.merged"]
    assert WebhookDelivery.objects.get().payload["data"] == {
        "source_id": source.pk,
        "target_id": target.pk,
        "merge_id": merge.pk,
    }
    after_merge = last_event_id()
    # unmerge
    restored = actions.unmerge_customers(
        merge=CustomerMerge.objects.get(pk=merge.pk), by=Actor.of_agent(lead)
    )
    assert restored.pk == source.pk
    source.refresh_from_db()
    assert source.merged_into_id is None
    assert (_owned(source), _owned(target)) == (source_before, target_before)
    merge.refresh_from_db()
    assert merge.undone_by_id == lead.pk
    assert merge.undone_at is not None
    for conversation in source_conversations:
        assert timeline(conversation, after=after_merge) == [
            (
                "customer_changed",
                "agent",
                lead.pk,
                {"from": target.pk, "to": source.pk, "unmerge_id": merge.pk},
            )
        ]
    # undo twice
    with pytest.raises(Conflict):
        actions.unmerge_customers(merge=CustomerMerge.objects.get(pk=merge.pk), by=Actor.of_agent(lead))
    assert (_owned(source), _owned(target)) == (source_before, target_before)


def test_identity_resolves_to_the_merge_target(store, lead, pair):
    from zabota.customers.actions import resolve_identity

    source, target, _convs, _tc = pair
    actions.merge_customers(source=source, target=target, by=Actor.of_agent(lead))
    customer, created = resolve_identity(store=store, kind="email", value="IRA@mail.ru")
    assert (customer.pk, created) == (target.pk, False)


def test_merge_customers_refusals(store, other_store, lead, pair):
    source, target, _convs, _tc = pair
    stranger = make_customer(other_store)
    with pytest.raises(InvalidInput) as caught:
        actions.merge_customers(source=source, target=stranger, by=Actor.of_agent(lead))
    assert caught.value.field == "target"
    with pytest.raises(InvalidInput) as caught:
        actions.merge_customers(source=source, target=source, by=Actor.of_agent(lead))
    assert caught.value.field == "target"
    with pytest.raises(PermissionDenied):
        actions.merge_customers(
            source=source, target=target, by=Actor.of_agent(make_agent(store, role="agent"))
        )
    actions.merge_customers(source=source, target=target, by=Actor.of_agent(lead))
    with pytest.raises(Conflict):
        actions.merge_customers(source=source, target=target, by=Actor.of_agent(lead))
    assert CustomerMerge.objects.count() == 1
    assert Customer.objects.get(pk=stranger.pk).merged_into_id is None
