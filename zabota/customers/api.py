"""API: customers, their identities and notes (merging lives in conversations, which moves conversations)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from zabota.core.api import ERRORS, Page, PageParams, get_or_404, page_of
from zabota.customers import actions
from zabota.customers.identity import normalize
from zabota.customers.models import Customer, CustomerNote, CustomerQuerySet, Identity
from zabota.stores.auth import context_of, scoped
from zabota.stores.models import Scope

router = Router(tags=["customers"])


class IdentityIn(Schema):
    kind: str = Field(..., max_length=16)
    value: str = Field(..., max_length=254)


class IdentityOut(Schema):
    id: int
    kind: str
    value: str
    verified: bool


class CustomerOut(Schema):
    id: int
    name: str
    display_name: str
    first_name: str
    last_name: str
    locale: str
    tags: list[str]
    merged_into_id: int | None
    identities: list[IdentityOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_identities(obj: Customer) -> list[Identity]:
        return list(obj.identities.all())


class CustomerIn(Schema):
    name: str = Field("", max_length=200)
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    tags: list[str] = Field(default_factory=list, max_length=20)
    identities: list[IdentityIn] = Field(default_factory=list, max_length=20)


class CustomerPatch(Schema):
    name: str | None = Field(None, max_length=200)
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    tags: list[str] | None = Field(None, max_length=20, description="Replaces the tags (e.g. VIP).")


class CustomerNoteIn(Schema):
    text: str = Field(..., max_length=20_000)


class CustomerNoteOut(Schema):
    id: int
    customer_id: int
    author_id: int | None
    text: str
    created_at: datetime


class CustomerFilters(Schema):
    q: str | None = Field(None, max_length=200, description="Part of the name or of an identity value.")
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)


def customers_of(request: HttpRequest) -> CustomerQuerySet:
    return Customer.objects.for_store(context_of(request).store).prefetch_related("identities")


@router.get("/customers", response={200: Page[CustomerOut], **ERRORS}, auth=scoped(Scope.CUSTOMERS_READ))
def list_customers(
    request: HttpRequest, filters: Query[CustomerFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Customers that were not merged away, newest first."""
    store = context_of(request).store
    customers = customers_of(request).active()
    if filters.q and filters.q.strip():
        q = filters.q.strip()
        matching = Identity.objects.filter(store=store, value__icontains=q).values("customer_id")
        customers = customers.filter(Q(name__icontains=q) | Q(id__in=matching))
    for kind in ("email", "phone"):
        value = getattr(filters, kind)
        if value:
            normalized = normalize(kind, value)
            owners = Identity.objects.filter(store=store, kind=kind, value=normalized).values("customer_id")
            customers = customers.filter(id__in=owners)
    return page_of(customers, page)


@router.post("/customers", response={201: CustomerOut, **ERRORS}, auth=scoped(Scope.CUSTOMERS_WRITE))
def create_customer(request: HttpRequest, payload: CustomerIn) -> Status[Customer]:
    context = context_of(request)
    customer = actions.create_customer(
        store=context.store,
        by=context.actor,
        name=payload.name,
        first_name=payload.first_name,
        last_name=payload.last_name,
        tags=payload.tags,
        identities=[(i.kind, i.value) for i in payload.identities],
    )
    return Status(201, customer)


@router.get("/customers/{id}", response={200: CustomerOut, **ERRORS}, auth=scoped(Scope.CUSTOMERS_READ))
def get_customer(request: HttpRequest, id: int) -> Customer:
    return get_or_404(customers_of(request), id)


@router.patch("/customers/{id}", response={200: CustomerOut, **ERRORS}, auth=scoped(Scope.CUSTOMERS_WRITE))
def update_customer(request: HttpRequest, id: int, payload: CustomerPatch) -> Customer:
    context = context_of(request)
    customer = get_or_404(customers_of(request), id)
    actions.update_customer(customer=customer, by=context.actor, **payload.model_dump(exclude_unset=True))
    return get_or_404(customers_of(request), id)


@router.post(
    "/customers/{id}/identities",
    response={201: IdentityOut, **ERRORS},
    auth=scoped(Scope.CUSTOMERS_WRITE),
)
def add_identity(request: HttpRequest, id: int, payload: IdentityIn) -> Status[Identity]:
    context = context_of(request)
    customer = get_or_404(customers_of(request), id)
    with transaction.atomic():
        identity = actions.add_identity(
            customer=customer, kind=payload.kind, value=payload.value, by=context.actor
        )
    return Status(201, identity)


@router.post(
    "/customers/{id}/notes", response={201: CustomerNoteOut, **ERRORS}, auth=scoped(Scope.CUSTOMERS_WRITE)
)
def add_note(request: HttpRequest, id: int, payload: CustomerNoteIn) -> Status[CustomerNote]:
    context = context_of(request)
    customer = get_or_404(customers_of(request), id)
    return Status(201, actions.add_note(customer=customer, text=payload.text, by=context.actor))
