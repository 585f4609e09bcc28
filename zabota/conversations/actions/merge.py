"""Merging conversations, and merging customers together with their conversations."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zabota.conversations.actions._common import announce_update, check_can_work, record_event
from zabota.conversations.models import Conversation, EventType, Message, Status
from zabota.conversations.targets import refresh_targets
from zabota.core.errors import Conflict, InvalidInput
from zabota.customers import actions as customer_actions
from zabota.customers.models import Customer, CustomerMerge
from zabota.stores.actors import Actor
from zabota.stores.permissions import Perm, require


def merge_conversations(*, source: Conversation, target: Conversation, by: Actor) -> Conversation:
    """Move the source's messages into the target and close the source, pointing at the target."""
    check_can_work(by, source)
    require(by, Perm.MERGE_CONVERSATIONS, store=source.store_id)
    if source.store_id != target.store_id:
        raise InvalidInput(_("Conversations of different stores cannot be merged."), field="target")
    if source.pk == target.pk:
        raise InvalidInput(_("A conversation cannot be merged into itself."), field="target")
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise Conflict(_("One of the conversations was already merged."), field="target")
    with transaction.atomic():
        moved = list(Message.objects.filter(conversation=source).values_list("id", flat=True))
        Message.objects.filter(id__in=moved).update(conversation=target)
        target.message_count += len(moved)
        waiting = [w for w in (source.waiting_since, target.waiting_since) if w is not None]
        target.waiting_since = min(waiting) if waiting else None
        target.last_message_at = max(
            [d for d in (source.last_message_at, target.last_message_at) if d is not None], default=None
        )
        target.save(update_fields=["message_count", "waiting_since", "last_message_at", "updated_at"])
        target.tags.add(*source.tags.all())
        previous_status = source.status
        source.merged_into = target
        source.status = Status.CLOSED
        source.closed_at = timezone.now()
        source.waiting_since = None
        source.message_count = 0
        source.save(
            update_fields=[
                "merged_into",
                "status",
                "closed_at",
                "waiting_since",
                "message_count",
                "updated_at",
            ]
        )
        record_event(
            conversation=source,
            type=EventType.MERGED_INTO,
            by=by,
            payload={"target_id": target.pk, "target_number": target.number, "messages": len(moved)},
        )
        record_event(
            conversation=target,
            type=EventType.MERGED_FROM,
            by=by,
            payload={"source_id": source.pk, "source_number": source.number, "messages": len(moved)},
        )
        announce_update(
            source,
            changes={"status": [previous_status, Status.CLOSED], "merged_into": target.pk},
            status_changed=True,
        )
        announce_update(target, changes={"merged_from": source.pk})
        refresh_targets([source.pk, target.pk])
    return target


def merge_customers(*, source: Customer, target: Customer, by: Actor) -> CustomerMerge:
    """Merge two customers: identities and notes (customers layer) and conversations (here)."""
    with transaction.atomic():
        merge = customer_actions.merge_customers(source=source, target=target, by=by)
        conversation_ids = list(Conversation.objects.filter(customer=source).values_list("id", flat=True))
        Conversation.objects.filter(id__in=conversation_ids).update(
            customer=target, updated_at=timezone.now()
        )
        customer_actions.record_moved(merge=merge, kind="conversations", ids=conversation_ids)
        for conversation in Conversation.objects.filter(id__in=conversation_ids):
            record_event(
                conversation=conversation,
                type=EventType.CUSTOMER_CHANGED,
                by=by,
                payload={"from": source.pk, "to": target.pk, "merge_id": merge.pk},
            )
        refresh_targets(conversation_ids)
    return merge


def unmerge_customers(*, merge: CustomerMerge, by: Actor) -> Customer:
    with transaction.atomic():
        source = customer_actions.unmerge_customers(merge=merge, by=by)
        conversation_ids = merge.moved.get("conversations", [])
        Conversation.objects.filter(id__in=conversation_ids, customer=merge.target).update(
            customer=source, updated_at=timezone.now()
        )
        for conversation in Conversation.objects.filter(id__in=conversation_ids):
            record_event(
                conversation=conversation,
                type=EventType.CUSTOMER_CHANGED,
                by=by,
                payload={"from": merge.target_id, "to": source.pk, "unmerge_id": merge.pk},
            )
        refresh_targets(conversation_ids)
    return source
