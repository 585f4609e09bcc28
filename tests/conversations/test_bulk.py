"""``receive_batch`` follows exactly the rules of ``receive_message``, with a bounded number of queries."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conversations.helpers import delivered, subscribe
from tests.factories import make_store
from zabota.connectors.inbound import Inbound, InboundAttachment
from zabota.conversations import actions
from zabota.conversations.models import Conversation, ConversationEvent, Message
from zabota.stores.actors import Actor


def _inbound(n: int, *, email: str, thread: str = "", channel: str = "api", text: str = "") -> Inbound:
    return Inbound(
        channel=channel,
        identity_kind="email",
        identity_value=email,
        sender_name=email.split("@")[0].title(),
        text=text or f"Сообщение {n}: где мой заказ?",
        subject="Заказ",
        external_id=f"key-{n}",
        external_thread_id=thread,
    )


def _workload() -> list[Inbound]:
    items = []
    for n in range(40):
        customer = n % 5
        if n % 4 == 0:
            items.append(_inbound(n, email=f"c{customer}@example.ru", channel="chat"))
        elif n % 4 == 1:
            items.append(_inbound(n, email=f"C{customer}@Example.RU", thread=f"t-{customer}-{n % 3}"))
        elif n % 4 == 2:
            items.append(_inbound(n, email=f"c{customer}@example.ru"))  # API without a thread: new each
        else:
            items.append(_inbound(n - 1, email=f"c{customer}@example.ru", thread="dup"))  # repeats key n-1
    return items


def _snapshot(store):
    conversations = [
        (
            c.number,
            c.customer.identities.get().value,
            c.channel,
            c.external_thread_id,
            c.status,
            c.message_count,
            c.previous.number if c.previous else None,
            c.subject,
        )
        for c in Conversation.objects.for_store(store).order_by("number")
    ]
    messages = [
        (m.conversation.number, m.text, m.external_id, m.author_label)
        for m in Message.objects.for_store(store).order_by("id")
    ]
    events = Counter(
        (e.conversation.number, e.type, e.actor_kind) for e in ConversationEvent.objects.for_store(store)
    )
    return conversations, messages, events


def _prepare(store):
    """History both paths meet: a solved conversation (reopens) and an old closed one (gets a follow-up)."""
    old = actions.deliver(store=store, inbound=_inbound(900, email="c1@example.ru", thread="t-1-0"))
    actions.set_status(conversation=old.conversation, status="closed", by=Actor.system())
    Conversation.objects.filter(pk=old.conversation_id).update(closed_at=timezone.now() - timedelta(days=30))
    solved = actions.deliver(store=store, inbound=_inbound(901, email="c2@example.ru", thread="t-2-1"))
    actions.set_status(conversation=solved.conversation, status="solved", by=Actor.system())


def test_batch_gives_the_same_result_as_one_by_one(db):
    # given two identical stores with the same history
    one_by_one, batched = make_store(slug="one"), make_store(slug="batch")
    _prepare(one_by_one)
    _prepare(batched)
    workload = _workload()

    # when the same workload goes one by one into the first, as one batch into the second
    for inbound in workload:
        actions.deliver(store=one_by_one, inbound=inbound)
    results = actions.receive_batch(store=batched, inbounds=workload)

    # then conversations, messages and timeline events are the same
    assert _snapshot(batched) == _snapshot(one_by_one)
    assert [r.error for r in results] == [None] * 40
    assert sum(r.duplicate for r in results) == 10


def test_batch_is_idempotent_on_external_ids(store):
    workload = _workload()
    first = actions.receive_batch(store=store, inbounds=workload)
    again = actions.receive_batch(store=store, inbounds=workload)
    assert [(r.message_id, r.conversation_id) for r in again] == [
        (r.message_id, r.conversation_id) for r in first
    ]
    assert all(r.duplicate for r in again)
    assert Message.objects.for_store(store).count() == 30


def test_bad_items_fail_alone(store):
    items = [
        _inbound(1, email="good@example.ru"),
        _inbound(2, email="not-an-email"),
        _inbound(3, email="good@example.ru", channel="pigeon"),
        _inbound(4, email="good@example.ru", text="   "),
        Inbound(
            channel="api",
            identity_kind="email",
            identity_value="a@example.ru",
            text="файл",
            external_id="f",
            attachments=(InboundAttachment("a.txt", "text/plain", b"x"),),
        ),
    ]
    results = actions.receive_batch(store=store, inbounds=items)
    assert [(r.error.code, r.error.field) if r.error else None for r in results] == [
        None,
        ("invalid", "email"),
        ("invalid", "channel"),
        ("invalid", "text"),
        ("invalid", "attachments"),
    ]
    assert Message.objects.for_store(store).count() == 1


def test_queries_do_not_grow_with_the_batch(store, django_assert_max_num_queries):
    actions.receive_batch(store=store, inbounds=[_inbound(n, email=f"w{n}@example.ru") for n in range(5)])
    items = [_inbound(100 + n, email=f"w{n % 20}@example.ru", thread=f"t{n % 50}") for n in range(200)]
    # 20 for the messages and routing, 2 for service targets (the policies; stale deadline rows)
    with django_assert_max_num_queries(22):
        results = actions.receive_batch(store=store, inbounds=items)
    assert len({r.conversation_id for r in results}) == 50


def test_batch_emits_webhooks_and_realtime(store, published, django_capture_on_commit_callbacks):
    subscription = subscribe(store)
    with django_capture_on_commit_callbacks(execute=True):
        actions.receive_batch(
            store=store,
            inbounds=[
                _inbound(1, email="x@example.ru", thread="a"),
                _inbound(2, email="x@example.ru", thread="a"),
            ],
        )
    assert delivered(subscription) == [
        "customer.created",
        "conversation.created",
        "message.created",
        "message.created",
    ]
    assert [e.event for e in published] == ["conversation.created", "message.created", "message.created"]


@pytest.mark.parametrize("channel", ["chat", "telegram"], ids=["chat", "telegram"])
def test_conversational_channel_continues_the_active_conversation(store, channel):
    first = actions.deliver(store=store, inbound=_inbound(1, email="x@example.ru", channel=channel))
    results = actions.receive_batch(
        store=store, inbounds=[_inbound(2, email="X@example.ru", channel=channel)]
    )
    assert results[0].conversation_id == first.conversation_id


def _deadlines(store):
    from zabota.conversations.models import Deadline

    return sorted(
        (d.conversation.number, d.kind, d.seq, d.state, d.target_minutes, d.business_time, d.policy_name)
        for d in Deadline.objects.for_store(store).select_related("conversation")
    )


def test_batch_gives_the_same_deadlines_as_one_by_one(db):
    from zabota.sla.actions import ensure_default_policies

    # given two identical stores with the same history and the recommended service-target policies
    one_by_one, batched = make_store(slug="one-sla"), make_store(slug="batch-sla")
    for store in (one_by_one, batched):
        ensure_default_policies(store=store)
        _prepare(store)
    workload = _workload()

    # when the same workload goes one by one into the first, as one batch into the second
    for inbound in workload:
        actions.deliver(store=one_by_one, inbound=inbound)
    actions.receive_batch(store=batched, inbounds=workload)

    # then the deadline rows are the same (first response, next response, resolution per conversation)
    rows = _deadlines(batched)
    assert rows == _deadlines(one_by_one)
    assert {kind for _n, kind, *_rest in rows} == {"first_response", "next_response", "resolution"}
    assert len(rows) == 53
