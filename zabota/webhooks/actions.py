"""Emitting webhook events and managing subscriptions."""

from __future__ import annotations

import ipaddress
import socket
import uuid
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from zabota.core.errors import InvalidInput, NotFound
from zabota.stores.actors import Actor
from zabota.stores.models import Store
from zabota.stores.permissions import Perm, require
from zabota.webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription

_EVENTS = {e.value for e in WebhookEvent}


Data = dict[str, Any] | Callable[[], dict[str, Any]]


def subscriptions_by_event(store_id: int) -> dict[str, list[int]]:
    """Active subscription ids of the store, grouped by the events they want (one query)."""
    grouped: dict[str, list[int]] = {}
    rows = WebhookSubscription.objects.filter(store_id=store_id, is_active=True).values_list("id", "events")
    for subscription_id, events in rows:
        for event in events:
            grouped.setdefault(event, []).append(subscription_id)
    return grouped


def emit_many(
    *, store_id: int, items: Sequence[tuple[str, Data]], subscriptions: dict[str, list[int]] | None = None
) -> list[int]:
    """Record one delivery per (event, matching subscription) and queue them after commit.

    ``data`` may be a callable so that payloads are only built when somebody subscribed.
    """
    if subscriptions is None:
        subscriptions = subscriptions_by_event(store_id)
    deliveries: list[WebhookDelivery] = []
    for event, data in items:
        subscribers = subscriptions.get(event)
        if not subscribers:
            continue
        event_id = uuid.uuid4()
        body = data() if callable(data) else data
        payload = {"id": str(event_id), "event": event, "store_id": store_id, "data": body}
        deliveries.extend(
            WebhookDelivery(
                store_id=store_id, subscription_id=sid, event=event, event_id=event_id, payload=payload
            )
            for sid in subscribers
        )
    if not deliveries:
        return []
    ids = [d.pk for d in WebhookDelivery.objects.bulk_create(deliveries)]

    def _enqueue() -> None:
        from zabota.webhooks.tasks import deliver_webhook

        # One transaction for all the queue rows (the database task backend): a sweep or a batch that
        # emits a thousand events must not pay a thousand commits.
        with transaction.atomic():
            for delivery_id in ids:
                deliver_webhook.enqueue(delivery_id)

    transaction.on_commit(_enqueue)
    return ids


def emit(*, store_id: int, event: str, data: Data) -> list[int]:
    """Record one delivery per matching subscription and queue them after commit."""
    return emit_many(store_id=store_id, items=[(event, data)])


def _validate(url: str, events: list[str]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(_("The webhook URL must be an http(s) URL."), field="url")
    if not settings.ZABOTA_WEBHOOK_ALLOW_PRIVATE and _is_private(parts.hostname):
        raise InvalidInput(_("The webhook URL points to a private or loopback address."), field="url")
    unknown = sorted(set(events) - _EVENTS)
    if unknown:
        raise InvalidInput(_("Unknown events: %(events)s.") % {"events": ", ".join(unknown)}, field="events")
    if not events:
        raise InvalidInput(_("Choose at least one event."), field="events")


def _is_private(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if address.is_private or address.is_loopback or address.is_link_local or address.is_reserved:
            return True
    return False


def create_subscription(
    *, store: Store, url: str, events: list[str], by: Actor, description: str = ""
) -> WebhookSubscription:
    require(by, Perm.MANAGE_WEBHOOKS, store=store)
    _validate(url, events)
    return WebhookSubscription.objects.create(
        store=store, url=url, events=sorted(set(events)), description=description
    )


def update_subscription(
    *,
    subscription: WebhookSubscription,
    by: Actor,
    url: str | None = None,
    events: list[str] | None = None,
    is_active: bool | None = None,
    description: str | None = None,
) -> WebhookSubscription:
    require(by, Perm.MANAGE_WEBHOOKS, store=subscription.store_id)
    new_url = subscription.url if url is None else url
    new_events = subscription.events if events is None else sorted(set(events))
    _validate(new_url, new_events)
    subscription.url = new_url
    subscription.events = new_events
    if is_active is not None:
        subscription.is_active = is_active
    if description is not None:
        subscription.description = description
    subscription.save(update_fields=["url", "events", "is_active", "description", "updated_at"])
    return subscription


def delete_subscription(*, subscription: WebhookSubscription, by: Actor) -> None:
    require(by, Perm.MANAGE_WEBHOOKS, store=subscription.store_id)
    subscription.delete()


def redeliver(*, store: Store, delivery_id: int, by: Actor) -> WebhookDelivery:
    """Queue a delivery again (an admin's "retry" button)."""
    require(by, Perm.MANAGE_WEBHOOKS, store=store)
    delivery = WebhookDelivery.objects.for_store(store).filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound(_("No such delivery."))
    delivery.status = "pending"
    delivery.next_attempt_at = None
    delivery.save(update_fields=["status", "next_attempt_at", "updated_at"])
    from zabota.webhooks.tasks import deliver_webhook

    transaction.on_commit(lambda: deliver_webhook.enqueue(delivery.pk))
    return delivery
