"""Receiving many customer messages at once: the same rules as ``receive_message``, a few queries per batch.

Integrations and importers post hundreds of messages at a time; one-by-one that costs ~15 statements per
message. Here the whole batch is resolved with set-based queries (dedupe, identities, threads), conversation
numbers are reserved in one step, and rows are bulk-inserted. The threading and reopening rules are the
functions ``receive_message`` uses (``continue_or_link``, ``apply_inbound``), and a test runs the same
workload through both paths and compares the results.

If a concurrent writer gets in the way (an ``IntegrityError`` on a unique key), the batch is rolled back
to its savepoint and delivered one by one through ``deliver``, which handles races per message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zabota.connectors.inbound import Inbound
from zabota.conversations.actions.messages import (
    _CATEGORIES,
    _CHANNELS,
    _check_text,
    follow_merges,
    sanitize_html,
)
from zabota.conversations.models import (
    AuthorKind,
    Category,
    Channel,
    Conversation,
    ConversationEvent,
    Direction,
    EventType,
    Message,
    Status,
)
from zabota.conversations.serializers import conversation_payload, message_payload
from zabota.conversations.targets import deferred_refresh, refresh_targets
from zabota.conversations.threading import apply_inbound, continue_or_link, reopen_event_type
from zabota.core import realtime
from zabota.core.errors import DomainError, InvalidInput
from zabota.core.models import reserve_values
from zabota.customers.actions import resolve_identities
from zabota.customers.models import Customer
from zabota.stores.actors import Actor
from zabota.stores.models import Store
from zabota.webhooks.actions import Data, emit_many, subscriptions_by_event

ThreadKey = tuple[str, str, Any]


@dataclass(frozen=True)
class Received:
    """The outcome of one item of a batch: its message (new or seen before), or its error."""

    message_id: int | None = None
    conversation_id: int | None = None
    duplicate: bool = False
    error: DomainError | None = None


def _validate(inbound: Inbound) -> None:
    if inbound.channel not in _CHANNELS:
        raise InvalidInput(
            _("Unknown channel “%(channel)s”.") % {"channel": inbound.channel[:30]}, field="channel"
        )
    if inbound.category and inbound.category not in _CATEGORIES:
        raise InvalidInput(
            _("Unknown category “%(category)s”.") % {"category": inbound.category[:30]}, field="category"
        )
    if inbound.attachments:
        raise InvalidInput(_("Messages with attachments cannot be sent in a batch."), field="attachments")
    _check_text(inbound.text, required=True)


def receive_batch(*, store: Store, inbounds: Sequence[Inbound]) -> list[Received]:
    """Deliver text messages in order; one result per item. Items with attachments are refused here."""
    results: list[Received | None] = [None] * len(inbounds)
    valid: list[int] = []
    for index, inbound in enumerate(inbounds):
        try:
            _validate(inbound)
        except DomainError as exc:
            results[index] = Received(error=exc)
        else:
            valid.append(index)
    try:
        with transaction.atomic(), deferred_refresh():
            _receive_valid(store, inbounds, valid, results)
    except IntegrityError:
        from zabota.conversations.actions.inbound import deliver

        for index in valid:
            try:
                with transaction.atomic():
                    message = deliver(store=store, inbound=inbounds[index])
            except DomainError as exc:
                results[index] = Received(error=exc)
            else:
                results[index] = Received(message_id=message.pk, conversation_id=message.conversation_id)
    return [
        r if r is not None else Received(error=InvalidInput(_("The message was not processed.")))
        for r in results
    ]


def _receive_valid(
    store: Store, inbounds: Sequence[Inbound], valid: list[int], results: list[Received | None]
) -> None:
    now = timezone.now()
    pending = _drop_duplicates(store, inbounds, valid, results)
    subscriptions = subscriptions_by_event(store.pk)
    customers = resolve_identities(
        store=store,
        subscriptions=subscriptions,
        items=[
            (inbounds[i].identity_kind, inbounds[i].identity_value, inbounds[i].sender_name) for i in pending
        ],
    )
    resolved: list[tuple[int, Customer]] = []
    for index, customer in zip(pending, customers, strict=True):
        if isinstance(customer, DomainError):
            results[index] = Received(error=customer)
        else:
            resolved.append((index, customer))
    if not resolved:
        return
    latest = _latest_conversations(store, [(inbounds[i], c) for i, c in resolved])
    plan = _Plan(store=store, now=now, subscriptions=subscriptions)
    for index, customer in resolved:
        plan.route(index, inbounds[index], customer, latest)
    plan.write(inbounds, results)


def _thread_key(inbound: Inbound, customer: Customer) -> ThreadKey | None:
    if inbound.external_thread_id:
        return ("thread", inbound.channel, inbound.external_thread_id)
    if inbound.channel == Channel.API:
        return None
    return ("customer", inbound.channel, customer.pk)


def _drop_duplicates(
    store: Store, inbounds: Sequence[Inbound], valid: list[int], results: list[Received | None]
) -> list[int]:
    """Mark items whose external id is already stored (or repeated in the batch) as duplicates."""
    keyed = [(inbounds[i].channel, inbounds[i].external_id) for i in valid if inbounds[i].external_id]
    existing: dict[tuple[str, str], tuple[int, int]] = {}
    if keyed:
        rows = Message.objects.with_external_ids(
            store, {c for c, _k in keyed}, {k for _c, k in keyed}
        ).values_list("channel", "external_id", "id", "conversation_id")
        existing = {(channel, key): (mid, cid) for channel, key, mid, cid in rows}
    pending: list[int] = []
    first_seen: set[tuple[str, str]] = set()
    for index in valid:
        inbound = inbounds[index]
        key = (inbound.channel, inbound.external_id)
        if inbound.external_id and key in existing:
            message_id, conversation_id = existing[key]
            results[index] = Received(message_id=message_id, conversation_id=conversation_id, duplicate=True)
        elif inbound.external_id and key in first_seen:
            results[index] = Received(duplicate=True)  # filled in after the first one is written
        else:
            first_seen.add(key)
            pending.append(index)
    return pending


def _latest_conversations(
    store: Store, items: list[tuple[Inbound, Customer]]
) -> dict[ThreadKey, Conversation]:
    """The newest conversation per thread key, following merges (two queries plus one per merge hop)."""
    thread_ids = {i.external_thread_id for i, _c in items if i.external_thread_id}
    customer_ids = {c.pk for i, c in items if not i.external_thread_id and i.channel != Channel.API}
    channels = {i.channel for i, _c in items}
    latest: dict[ThreadKey, Conversation] = {}
    base = Conversation.objects.filter(store=store, channel__in=channels).order_by("id")
    if thread_ids:
        for conversation in base.filter(external_thread_id__in=thread_ids):
            latest[("thread", conversation.channel, conversation.external_thread_id)] = conversation
    if customer_ids:
        for conversation in base.filter(customer_id__in=customer_ids):
            latest[("customer", conversation.channel, conversation.customer_id)] = conversation
    for key, conversation in list(latest.items()):
        current = follow_merges(conversation)
        if current is None:
            del latest[key]
        else:
            latest[key] = current
    return latest


class _Plan:
    """Decides where each message goes, then writes everything with bulk statements."""

    def __init__(self, *, store: Store, now: datetime, subscriptions: dict[str, list[int]]) -> None:
        self.store = store
        self.subscriptions = subscriptions
        self.now = now
        self.by_key: dict[ThreadKey, Conversation] = {}
        self.new: list[Conversation] = []
        self.touched: dict[int, tuple[Conversation, set[str]]] = {}
        self.reopened: list[tuple[Conversation, str]] = []
        self.routes: list[tuple[int, Conversation, Customer]] = []

    def route(
        self, index: int, inbound: Inbound, customer: Customer, latest: dict[ThreadKey, Conversation]
    ) -> None:
        key = _thread_key(inbound, customer)
        conversation = self.by_key.get(key) if key is not None else None
        if conversation is None:
            candidate = latest.get(key) if key is not None else None
            conversation, previous = continue_or_link(candidate, store=self.store, now=self.now)
            if conversation is None:
                conversation = Conversation(
                    store=self.store,
                    customer=customer,
                    channel=inbound.channel,
                    subject=(inbound.subject or inbound.text[:120]).strip()[:300],
                    category=inbound.category or Category.OTHER,
                    external_thread_id=inbound.external_thread_id,
                    previous=previous,
                    created_at=self.now,
                )
                self.new.append(conversation)
            if key is not None:
                self.by_key[key] = conversation
        fields, old_status = apply_inbound(conversation, at=self.now)
        if conversation.pk is not None:
            entry = self.touched.setdefault(conversation.pk, (conversation, set()))
            entry[1].update(fields)
            if old_status is not None:
                self.reopened.append((conversation, old_status))
        self.routes.append((index, conversation, customer))

    def write(self, inbounds: Sequence[Inbound], results: list[Received | None]) -> None:
        store, now = self.store, self.now
        numbers = reserve_values(store_id=store.pk, name="conversation", count=len(self.new))
        for conversation, number in zip(self.new, numbers, strict=True):
            conversation.number = number
        Conversation.objects.bulk_create(self.new)
        if self.touched:
            fields = sorted(set().union(*(f for _c, f in self.touched.values())))
            Conversation.objects.bulk_update([c for c, _f in self.touched.values()], fields)
        messages = [
            _message(store, conversation, customer, inbounds[index], now)
            for index, conversation, customer in self.routes
        ]
        Message.objects.bulk_create(messages)
        self._events(messages)
        touched = {c.pk: c for _i, c, _customer in self.routes}
        refresh_targets(touched, conversations=list(touched.values()), fresh={c.pk for c in self.new})
        self._webhooks(messages)
        by_external: dict[tuple[str, str], Message] = {}
        for (index, _conversation, _customer), message in zip(self.routes, messages, strict=True):
            results[index] = Received(message_id=message.pk, conversation_id=message.conversation_id)
            if message.external_id:
                by_external[(message.channel, message.external_id)] = message
        for index, result in enumerate(results):
            if result is not None and result.duplicate and result.message_id is None:
                first = by_external[(inbounds[index].channel, inbounds[index].external_id)]
                results[index] = Received(
                    message_id=first.pk, conversation_id=first.conversation_id, duplicate=True
                )
        self._realtime(messages)
        if self.new:
            from zabota.conversations.routing import route_new

            route_new(self.new)

    def _events(self, messages: list[Message]) -> None:
        actor = Actor.customer()
        events = [
            self._event(c, EventType.CREATED, actor, {"channel": c.channel, "previous_id": c.previous_id})
            for c in self.new
        ]
        events += [
            self._event(
                m.conversation,
                EventType.MESSAGE_RECEIVED,
                Actor.customer(m.author_label),
                {"message_id": m.pk},
            )
            for m in messages
        ]
        events += [
            self._event(c, reopen_event_type(old), actor, {"from": old, "to": Status.OPEN})
            for c, old in self.reopened
        ]
        ConversationEvent.objects.bulk_create(events)

    def _event(
        self, conversation: Conversation, type: str, by: Actor, payload: dict[str, Any]
    ) -> ConversationEvent:
        return ConversationEvent(
            store=self.store,
            conversation=conversation,
            type=type,
            actor_kind=by.kind,
            actor_label=by.label,
            payload=payload,
            at=self.now,
        )

    def _webhooks(self, messages: list[Message]) -> None:
        subscriptions = self.subscriptions
        if not subscriptions:
            return
        items: list[tuple[str, Data]] = [
            ("conversation.created", _lazy(conversation_payload, c, "conversation")) for c in self.new
        ]
        for conversation, old in self.reopened:
            changes = {"status": [old, Status.OPEN]}
            data = _lazy_update(conversation, changes)
            items += [("conversation.updated", data), ("conversation.status_changed", data)]
        items += [("message.created", _lazy(message_payload, m, "message")) for m in messages]
        emit_many(store_id=self.store.pk, items=items, subscriptions=subscriptions)

    def _realtime(self, messages: list[Message]) -> None:
        store_id = self.store.pk
        created = [c.pk for c in self.new]
        updated = [(c.pk, {"status": [old, Status.OPEN]}) for c, old in self.reopened]
        posted = [(m.conversation_id, m.pk) for m in messages]

        def publish() -> None:
            for conversation_id in created:
                realtime.publish(
                    store_id, "conversation.created", "agents", {"conversation_id": conversation_id}
                )
            for conversation_id, changes in updated:
                realtime.publish(
                    store_id,
                    "conversation.updated",
                    "agents",
                    {"conversation_id": conversation_id, "changes": changes},
                )
            for conversation_id, message_id in posted:
                realtime.publish(
                    store_id,
                    "message.created",
                    "agents",
                    {
                        "conversation_id": conversation_id,
                        "message_id": message_id,
                        "direction": Direction.INBOUND,
                    },
                )

        transaction.on_commit(publish)


def _message(
    store: Store, conversation: Conversation, customer: Customer, inbound: Inbound, now: datetime
) -> Message:
    return Message(
        store=store,
        conversation=conversation,
        direction=Direction.INBOUND,
        author_kind=AuthorKind.CUSTOMER,
        author_label=customer.display_name,
        text=inbound.text,
        html=sanitize_html(inbound.html),
        channel=inbound.channel,
        external_id=inbound.external_id,
        created_at=now,
        meta={"sent_at": inbound.sent_at.isoformat()} if inbound.sent_at is not None else {},
    )


def _lazy(serialize: Callable[[Any], dict[str, Any]], obj: Any, name: str) -> Callable[[], dict[str, Any]]:
    return lambda: {name: serialize(obj)}


def _lazy_update(conversation: Conversation, changes: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    return lambda: {"conversation": conversation_payload(conversation), "changes": changes}
