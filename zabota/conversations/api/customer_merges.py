"""API: merging customers and undoing it (here because a merge also moves conversations)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from zabota.conversations import actions
from zabota.core.api import ERRORS, MAX_ID, get_or_404
from zabota.customers.api import CustomerOut, customers_of
from zabota.customers.models import Customer, CustomerMerge
from zabota.stores.auth import context_of, scoped
from zabota.stores.models import Scope

router = Router(tags=["customers"])


class CustomerMergeIn(Schema):
    target_id: int = Field(..., ge=1, le=MAX_ID)


class CustomerMergeOut(Schema):
    id: int
    source_id: int
    target_id: int
    moved: dict[str, list[int]]
    created_at: datetime
    undone_at: datetime | None


@router.post(
    "/customers/{id}/merge",
    response={201: CustomerMergeOut, **ERRORS},
    auth=scoped(Scope.CUSTOMERS_WRITE),
)
def merge_customer(request: HttpRequest, id: int, payload: CustomerMergeIn) -> Status[CustomerMerge]:
    """Merge this customer into ``target_id``: identities, notes and conversations move; undo by merge id."""
    context = context_of(request)
    source = get_or_404(Customer.objects.for_store(context.store), id)
    target = get_or_404(Customer.objects.for_store(context.store), payload.target_id, field="target_id")
    merge = actions.merge_customers(source=source, target=target, by=context.actor)
    return Status(201, merge)


@router.post(
    "/customers/merges/{merge_id}/undo",
    response={200: CustomerOut, **ERRORS},
    auth=scoped(Scope.CUSTOMERS_WRITE),
)
def undo_customer_merge(request: HttpRequest, merge_id: int) -> Customer:
    """Give the source customer back its identities, notes and conversations."""
    context = context_of(request)
    merge = get_or_404(CustomerMerge.objects.filter(store=context.store), merge_id)
    source = actions.unmerge_customers(merge=merge, by=context.actor)
    return get_or_404(customers_of(request), source.pk)
