"""Delivering webhooks with retries and exponential backoff."""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from zabota.webhooks.models import DeliveryStatus, WebhookDelivery
from zabota.webhooks.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

logger = logging.getLogger(__name__)


def backoff_seconds(attempt: int) -> int:
    """30 s, 1 min, 2 min, 4 min … capped at 6 hours."""
    return int(min(30 * 2 ** (attempt - 1), 6 * 3600))


def post(url: str, body: bytes, headers: dict[str, str], timeout: int) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read(2000).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(2000).decode("utf-8", "replace")


@task(queue_name="webhooks")
def deliver_webhook(delivery_id: int) -> str:
    """Send one delivery; idempotent: a succeeded delivery is never sent again."""
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.status == DeliveryStatus.SUCCEEDED:
        return "skipped"
    subscription = delivery.subscription
    if not subscription.is_active:
        delivery.status = DeliveryStatus.FAILED
        delivery.error = "subscription deactivated before delivery"
        delivery.next_attempt_at = None
        delivery.save(update_fields=["status", "error", "next_attempt_at", "updated_at"])
        return delivery.status
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Zabota-Webhooks/1",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(subscription.secret, timestamp, body),
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.event_id),
    }
    delivery.attempts += 1
    delivery.last_attempt_at = timezone.now()
    try:
        code, excerpt = post(subscription.url, body, headers, settings.ZABOTA_WEBHOOK_TIMEOUT_SECONDS)
        delivery.response_code = code
        delivery.response_excerpt = excerpt
        delivery.error = "" if 200 <= code < 300 else f"HTTP {code}"
    except (OSError, ValueError, http.client.HTTPException) as exc:
        delivery.response_code = None
        delivery.response_excerpt = ""
        delivery.error = f"{type(exc).__name__}: {exc}"[:1000]
    if not delivery.error:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.next_attempt_at = None
    elif delivery.attempts >= settings.ZABOTA_WEBHOOK_MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=backoff_seconds(delivery.attempts))
    delivery.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "response_code",
            "response_excerpt",
            "error",
            "status",
            "next_attempt_at",
            "updated_at",
        ]
    )
    if delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at is not None:
        deliver_webhook.using(run_after=delivery.next_attempt_at).enqueue(delivery.pk)
    return delivery.status
