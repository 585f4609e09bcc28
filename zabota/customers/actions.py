"""Every write to customers: resolve, create, update, identities, notes, merge and unmerge."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zabota.core.errors import Conflict, DomainError, InvalidInput
from zabota.customers.identity import normalize
from zabota.customers.models import Customer, CustomerMerge, CustomerNote, Identity
from zabota.customers.serializers import customer_payload
from zabota.stores.actors import Actor
from zabota.stores.models import Store
from zabota.stores.permissions import Perm, require
from zabota.webhooks.actions import emit, emit_many


def _canonical(customer: Customer) -> Customer:
    seen: set[int] = set()
    while customer.merged_into_id is not None and customer.pk not in seen:
        seen.add(customer.pk)
        customer = Customer.objects.get(pk=customer.merged_into_id)
    return customer


def create_customer(
    *,
    store: Store,
    by: Actor,
    name: str = "",
    first_name: str = "",
    last_name: str = "",
    identities: list[tuple[str, str]] | None = None,
    tags: list[str] | None = None,
) -> Customer:
    normalized = [(kind, normalize(kind, value)) for kind, value in identities or []]
    clean_tags = clean_customer_tags(tags or [])
    with transaction.atomic():
        for kind, value in normalized:
            if Identity.objects.filter(store=store, kind=kind, value=value).exists():
                raise Conflict(
                    _("Another customer already has %(kind)s %(value)s.") % {"kind": kind, "value": value},
                    field="identities",
                )
        customer = Customer.objects.create(
            store=store,
            name=name.strip()[:200],
            first_name=first_name.strip()[:100],
            last_name=last_name.strip()[:100],
            tags=clean_tags,
        )
        Identity.objects.bulk_create(
            [Identity(store=store, customer=customer, kind=kind, value=value) for kind, value in normalized]
        )
        emit(
            store_id=store.pk, event="customer.created", data=lambda: {"customer": customer_payload(customer)}
        )
    return customer


def resolve_identity(*, store: Store, kind: str, value: str, name: str = "") -> tuple[Customer, bool]:
    """Find the customer owning the identity, or create one. Returns (customer, created)."""
    normalized = normalize(kind, value)
    identity = (
        Identity.objects.select_related("customer").filter(store=store, kind=kind, value=normalized).first()
    )
    if identity is not None:
        return _canonical(identity.customer), False
    try:
        with transaction.atomic():
            customer = create_customer(
                store=store, by=Actor.system(), name=name, identities=[(kind, normalized)]
            )
    except (Conflict, IntegrityError):
        # a concurrent request created it first
        identity = Identity.objects.select_related("customer").get(store=store, kind=kind, value=normalized)
        return _canonical(identity.customer), False
    return customer, True


def resolve_identities(
    *,
    store: Store,
    items: Sequence[tuple[str, str, str]],
    subscriptions: dict[str, list[int]] | None = None,
) -> list[Customer | DomainError]:
    """Bulk ``resolve_identity`` for (kind, value, name) items: a few queries for the whole batch.

    Returns one customer (or the item's validation error) per item, in order. New customers are
    created together; the caller's transaction makes it all-or-nothing, and on a concurrent insert
    (IntegrityError) the caller falls back to the one-by-one path.
    """
    keys: list[tuple[str, str] | DomainError] = []
    for kind, value, _name in items:
        try:
            keys.append((kind, normalize(kind, value)))
        except DomainError as exc:
            keys.append(exc)
    wanted = {k for k in keys if isinstance(k, tuple)}
    found: dict[tuple[str, str], Customer] = {}
    if wanted:
        rows = Identity.objects.select_related("customer").filter(
            store=store, kind__in={k for k, _v in wanted}, value__in={v for _k, v in wanted}
        )
        for identity in rows:
            found[(identity.kind, identity.value)] = _canonical(identity.customer)
    missing: dict[tuple[str, str], Customer] = {}
    for key, (_kind, _value, name) in zip(keys, items, strict=True):
        if isinstance(key, tuple) and key not in found and key not in missing:
            missing[key] = Customer(store=store, name=name.strip()[:200])
    if missing:
        created = Customer.objects.bulk_create(list(missing.values()))
        Identity.objects.bulk_create(
            [
                Identity(store=store, customer=customer, kind=kind, value=value)
                for (kind, value), customer in zip(missing, created, strict=True)
            ]
        )
        emit_many(
            store_id=store.pk,
            items=[("customer.created", _customer_data(c)) for c in created],
            subscriptions=subscriptions,
        )
        found.update(missing)
    return [found[k] if isinstance(k, tuple) else k for k in keys]


def _customer_data(customer: Customer) -> Callable[[], dict[str, Any]]:
    return lambda: {"customer": customer_payload(customer)}


def update_customer(
    *,
    customer: Customer,
    by: Actor,
    name: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    tags: list[str] | None = None,
) -> Customer:
    fields: list[str] = []
    for field_name, value in (("name", name), ("first_name", first_name), ("last_name", last_name)):
        if value is not None:
            setattr(customer, field_name, value.strip())
            fields.append(field_name)
    if tags is not None:
        customer.tags = clean_customer_tags(tags)
        fields.append("tags")
    if fields:
        customer.save(update_fields=[*fields, "updated_at"])
    return customer


def clean_customer_tags(tags: list[str]) -> list[str]:
    """Trimmed, unique regardless of case (the first spelling wins), at most 20 of 40 characters."""
    out: list[str] = []
    seen: set[str] = set()
    for tag in tags:
        if not isinstance(tag, str):
            raise InvalidInput(_("Tags must be strings."), field="tags")
        cleaned = " ".join(tag.split())
        if not cleaned or cleaned.casefold() in seen:
            continue
        if len(cleaned) > 40:
            raise InvalidInput(_("A tag is longer than 40 characters."), field="tags")
        seen.add(cleaned.casefold())
        out.append(cleaned)
    if len(out) > 20:
        raise InvalidInput(_("A customer can have at most 20 tags."), field="tags")
    return out


def add_identity(*, customer: Customer, kind: str, value: str, by: Actor) -> Identity:
    normalized = normalize(kind, value)
    existing = Identity.objects.filter(store_id=customer.store_id, kind=kind, value=normalized).first()
    if existing is not None:
        if existing.customer_id == customer.pk:
            return existing
        raise Conflict(
            _("%(value)s belongs to another customer; merge the two customers instead.")
            % {"value": normalized},
            field="value",
        )
    return Identity.objects.create(store_id=customer.store_id, customer=customer, kind=kind, value=normalized)


def remove_identity(*, identity: Identity, by: Actor) -> None:
    identity.delete()


def add_note(*, customer: Customer, text: str, by: Actor) -> CustomerNote:
    text = text.strip()
    if not text:
        raise InvalidInput(_("The note is empty."), field="text")
    return CustomerNote.objects.create(
        store_id=customer.store_id, customer=customer, author=by.agent, text=text
    )


def merge_customers(*, source: Customer, target: Customer, by: Actor) -> CustomerMerge:
    """Move the source's identities and notes to the target; the merge record lets it be undone.

    Conversations belong to a higher layer, which moves them and records their ids in ``moved``.
    """
    require(by, Perm.MERGE_CUSTOMERS, store=source.store_id)
    if source.store_id != target.store_id:
        raise InvalidInput(_("Customers of different stores cannot be merged."), field="target")
    if source.pk == target.pk:
        raise InvalidInput(_("A customer cannot be merged into itself."), field="target")
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise Conflict(_("One of the customers was already merged into another one."), field="target")
    with transaction.atomic():
        identity_ids = list(Identity.objects.filter(customer=source).values_list("id", flat=True))
        note_ids = list(CustomerNote.objects.filter(customer=source).values_list("id", flat=True))
        Identity.objects.filter(id__in=identity_ids).update(customer=target)
        CustomerNote.objects.filter(id__in=note_ids).update(customer=target)
        source.merged_into = target
        source.save(update_fields=["merged_into", "updated_at"])
        merge = CustomerMerge.objects.create(
            store_id=source.store_id,
            source=source,
            target=target,
            merged_by=by.agent,
            moved={"identities": identity_ids, "notes": note_ids},
        )
        emit(
            store_id=source.store_id,
            event="customer.merged",
            data={"source_id": source.pk, "target_id": target.pk, "merge_id": merge.pk},
        )
    return merge


def record_moved(*, merge: CustomerMerge, kind: str, ids: list[int]) -> None:
    """Let the layer that moved other rows in a merge record them for undo."""
    merge.moved = {**merge.moved, kind: ids}
    merge.save(update_fields=["moved", "updated_at"])


def unmerge_customers(*, merge: CustomerMerge, by: Actor) -> Customer:
    """Undo a merge: identities and notes go back; the caller moves its own rows back."""
    require(by, Perm.MERGE_CUSTOMERS, store=merge.store_id)
    if merge.undone_at is not None:
        raise Conflict(_("This merge was already undone."))
    with transaction.atomic():
        Identity.objects.filter(id__in=merge.moved.get("identities", []), customer=merge.target).update(
            customer=merge.source
        )
        CustomerNote.objects.filter(id__in=merge.moved.get("notes", []), customer=merge.target).update(
            customer=merge.source
        )
        source = merge.source
        source.merged_into = None
        source.save(update_fields=["merged_into", "updated_at"])
        merge.undone_at = timezone.now()
        merge.undone_by = by.agent
        merge.save(update_fields=["undone_at", "undone_by", "updated_at"])
    return source
