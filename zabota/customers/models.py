"""Customers and their identities across channels, notes, and merge records."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zabota.core.models import TimeStamped
from zabota.customers.identity import IdentityKind
from zabota.stores.models import Agent, Store


class CustomerQuerySet(models.QuerySet["Customer"]):
    def for_store(self, store: Store | int) -> CustomerQuerySet:
        return self.filter(store=store)

    def active(self) -> CustomerQuerySet:
        """Customers that were not merged into another one."""
        return self.filter(merged_into__isnull=True)


class Customer(TimeStamped):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="customers")
    name = models.CharField(_("name"), max_length=200, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    locale = models.CharField(_("language"), max_length=10, blank=True)
    # Labels such as "VIP" that service-target policies match on (case-insensitive).
    tags = models.JSONField(_("tags"), default=list, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_customers"
    )

    objects = CustomerQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["store", "created_at"], name="cust_store_created"),
            models.Index(fields=["store", "name"], name="cust_store_name"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name:
            return self.name
        full = f"{self.first_name} {self.last_name}".strip()
        return full or _("Customer #%(id)s") % {"id": self.pk}


class Identity(TimeStamped):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(_("kind"), max_length=16, choices=[(k.value, k.value) for k in IdentityKind])
    value = models.CharField(_("value"), max_length=254)
    verified = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "kind", "value"], name="cust_identity_store_kind_value")
        ]
        indexes = [models.Index(fields=["store", "customer"], name="cust_identity_store_customer")]
        ordering = ["kind", "value"]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class CustomerNote(TimeStamped):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["store", "customer"], name="cust_note_store_customer")]
        ordering = ["-created_at"]


class CustomerMerge(TimeStamped):
    """What a merge moved, so that it can be undone exactly."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges_as_source")
    target = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="merges_as_target")
    merged_by = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, related_name="+")
    moved = models.JSONField(default=dict)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(Agent, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["store", "created_at"], name="cust_merge_store_created")]
        ordering = ["-created_at"]
