"""The customer list: search by name, email or phone, with conversation counts in one query."""

from __future__ import annotations

import contextlib
import re

from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zabota.core.errors import InvalidInput
from zabota.customers.identity import normalize_phone
from zabota.customers.models import Customer, CustomerQuerySet, Identity
from zabota.stores.models import Store
from zabota.stores.views.common import agent_required, current_store

PAGE_SIZE = 25


def search_customers(store: Store, q: str) -> CustomerQuerySet:
    """Active customers whose name or any identity matches ``q``; phones match in any notation."""
    customers = Customer.objects.for_store(store).active()
    q = q.strip()
    if not q:
        return customers
    identity_match = Q(value__icontains=q.lower())
    digits = re.sub(r"\D", "", q)
    if len(digits) >= 4 and len(digits) >= len(q.replace(" ", "")) // 2:
        identity_match |= Q(value__contains=digits)
        with contextlib.suppress(InvalidInput):
            identity_match |= Q(value=normalize_phone(q))
    matching = Identity.objects.filter(identity_match, store=store).values("customer_id")
    return customers.filter(
        Q(name__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q) | Q(pk__in=matching)
    )


def with_counts(customers: CustomerQuerySet) -> CustomerQuerySet:
    live = Q(conversations__merged_into__isnull=True)
    return customers.annotate(
        conversation_count=Count("conversations", filter=live),
        last_conversation_at=Max("conversations__created_at", filter=live),
    ).prefetch_related("identities")


@agent_required
def customer_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:200]
    customers = with_counts(search_customers(current_store(request), q)).order_by("-created_at", "-id")
    page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "customers/_results.html" if request.headers.get("HX-Request") else "customers/list.html"
    return render(request, template, {"page": page, "q": q})
