"""Plain-dict views of customers for webhooks and realtime events."""

from __future__ import annotations

from typing import Any

from zabota.customers.models import Customer


def customer_payload(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "name": customer.display_name,
        "tags": list(customer.tags or []),
        "identities": [{"kind": i.kind, "value": i.value} for i in customer.identities.all()],
        "created_at": customer.created_at.isoformat() if customer.created_at else None,
    }
