"""API: webhook subscriptions and their delivery log. The signing secret is shown only on creation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from zabota.core.api import ERRORS, Page, PageParams, check_id, get_or_404, page_of
from zabota.stores.auth import context_of, scoped
from zabota.stores.models import Scope
from zabota.webhooks import actions
from zabota.webhooks.models import WebhookDelivery, WebhookSubscription

router = Router(tags=["webhooks"])
MANAGE = Scope.WEBHOOKS_MANAGE


class SubscriptionOut(Schema):
    id: int
    url: str
    events: list[str]
    is_active: bool
    description: str
    created_at: datetime
    updated_at: datetime


class CreatedSubscriptionOut(SubscriptionOut):
    secret: str = Field(..., description="Verify signatures with it; it is not shown again.")


class SubscriptionIn(Schema):
    url: str = Field(..., max_length=500)
    events: list[str] = Field(..., max_length=50)
    description: str = Field("", max_length=200)


class SubscriptionPatch(Schema):
    url: str | None = Field(None, max_length=500)
    events: list[str] | None = Field(None, max_length=50)
    is_active: bool | None = None
    description: str | None = Field(None, max_length=200)


class DeliveryOut(Schema):
    id: int
    subscription_id: int
    event_id: str
    event: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    response_code: int | None
    error: str
    created_at: datetime

    @staticmethod
    def resolve_event_id(obj: WebhookDelivery) -> str:
        return str(obj.event_id)


def _subscriptions(request: HttpRequest) -> Any:
    return WebhookSubscription.objects.for_store(context_of(request).store)


@router.get("/webhooks", response={200: Page[SubscriptionOut], **ERRORS}, auth=scoped(MANAGE))
def list_subscriptions(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    return page_of(_subscriptions(request), page)


@router.post("/webhooks", response={201: CreatedSubscriptionOut, **ERRORS}, auth=scoped(MANAGE))
def create_subscription(request: HttpRequest, payload: SubscriptionIn) -> Status[WebhookSubscription]:
    context = context_of(request)
    subscription = actions.create_subscription(
        store=context.store,
        url=payload.url,
        events=payload.events,
        description=payload.description,
        by=context.actor,
    )
    return Status(201, subscription)


@router.patch("/webhooks/{id}", response={200: SubscriptionOut, **ERRORS}, auth=scoped(MANAGE))
def update_subscription(request: HttpRequest, id: int, payload: SubscriptionPatch) -> WebhookSubscription:
    context = context_of(request)
    subscription = get_or_404(_subscriptions(request), id)
    return actions.update_subscription(
        subscription=subscription, by=context.actor, **payload.model_dump(exclude_unset=True)
    )


@router.delete("/webhooks/{id}", response={204: None, **ERRORS}, auth=scoped(MANAGE))
def delete_subscription(request: HttpRequest, id: int) -> Status[None]:
    context = context_of(request)
    actions.delete_subscription(subscription=get_or_404(_subscriptions(request), id), by=context.actor)
    return Status(204, None)


@router.get("/webhooks/{id}/deliveries", response={200: Page[DeliveryOut], **ERRORS}, auth=scoped(MANAGE))
def list_deliveries(request: HttpRequest, id: int, page: Query[PageParams]) -> dict[str, Any]:
    """The delivery log of one subscription, newest first."""
    subscription = get_or_404(_subscriptions(request), id)
    deliveries = WebhookDelivery.objects.for_store(context_of(request).store).filter(
        subscription=subscription
    )
    return page_of(deliveries, page)


@router.post(
    "/webhooks/deliveries/{id}/redeliver", response={202: DeliveryOut, **ERRORS}, auth=scoped(MANAGE)
)
def redeliver(request: HttpRequest, id: int) -> Status[WebhookDelivery]:
    """Queue a delivery again, whatever its status."""
    context = context_of(request)
    delivery = actions.redeliver(store=context.store, delivery_id=check_id(id), by=context.actor)
    return Status(202, delivery)
