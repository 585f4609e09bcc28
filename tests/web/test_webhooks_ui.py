"""Webhook settings for administrators: subscriptions, the secret shown once, delivery log, retry."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_agent
from zabota.stores.actors import Actor
from zabota.webhooks.actions import create_subscription
from zabota.webhooks.models import WebhookDelivery, WebhookSubscription


@pytest.fixture
def subscription(store):
    return create_subscription(
        store=store,
        url="https://crm.example.ru/hooks/zabota",
        events=["conversation.created"],
        by=Actor.system(),
        description="CRM",
    )


def _delivery(subscription, **kwargs) -> WebhookDelivery:
    defaults = {"event": "conversation.created", "payload": {"x": 1}, "status": "failed", "attempts": 8}
    return WebhookDelivery.objects.create(
        store_id=subscription.store_id, subscription=subscription, **{**defaults, **kwargs}
    )


@pytest.mark.parametrize("role", ["agent", "lead"])
def test_only_admins(client, request, subscription, role):
    client.force_login(request.getfixturevalue(role).user)
    delivery = _delivery(subscription)

    responses = [
        client.get(reverse("webhooks:list")),
        client.get(reverse("webhooks:create")),
        client.post(
            reverse("webhooks:create"), {"url": "https://x.example.ru/", "events": ["message.created"]}
        ),
        client.post(reverse("webhooks:edit", args=[subscription.pk]), {"url": "https://x.example.ru/"}),
        client.post(reverse("webhooks:set_active", args=[subscription.pk]), {"active": "0"}),
        client.post(reverse("webhooks:delete", args=[subscription.pk])),
        client.get(reverse("webhooks:deliveries", args=[subscription.pk])),
        client.post(reverse("webhooks:redeliver", args=[subscription.pk, delivery.pk])),
    ]

    assert [r.status_code for r in responses] == [403] * 8
    subscription.refresh_from_db()
    delivery.refresh_from_db()
    assert (WebhookSubscription.objects.count(), subscription.is_active, delivery.status) == (
        1,
        True,
        "failed",
    )


def test_list(client, admin, subscription):
    _delivery(subscription)
    client.force_login(admin.user)

    response = client.get(reverse("webhooks:list"))

    assert response.status_code == 200
    assert [(s.pk, s.delivery_count) for s in response.context["subscriptions"]] == [(subscription.pk, 1)]
    assert "https://crm.example.ru/hooks/zabota" in response.content.decode()
    assert subscription.secret not in response.content.decode()


def test_create_shows_the_secret_once_with_how_to_verify(client, admin, store):
    client.force_login(admin.user)

    page = client.get(reverse("webhooks:create"))
    response = client.post(
        reverse("webhooks:create"),
        {
            "url": "https://shop.example.ru/zabota",
            "events": ["message.created", "conversation.created"],
            "description": "Магазин",
        },
    )

    assert 'value="customer.merged"' in page.content.decode()
    assert response.status_code == 201
    subscription = WebhookSubscription.objects.get()
    assert (subscription.store_id, subscription.url, subscription.events, subscription.description) == (
        store.pk,
        "https://shop.example.ru/zabota",
        ["conversation.created", "message.created"],
        "Магазин",
    )
    body = response.content.decode()
    assert subscription.secret in body
    assert "X-Zabota-Timestamp" in body
    assert "X-Zabota-Signature" in body
    assert "HMAC-SHA256" in body
    assert (
        subscription.secret
        not in client.get(reverse("webhooks:edit", args=[subscription.pk])).content.decode()
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"url": "not a url", "events": ["message.created"]}, "url", id="bad-url"),
        pytest.param({"url": "ftp://example.ru/x", "events": ["message.created"]}, "url", id="ftp"),
        pytest.param({"url": "https://example.ru/x", "events": []}, "events", id="no-events"),
        pytest.param({"url": "https://example.ru/x", "events": ["order.paid"]}, "events", id="unknown-event"),
    ],
)
def test_bad_input_is_400(client, admin, data, field):
    client.force_login(admin.user)

    response = client.post(reverse("webhooks:create"), data)

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert WebhookSubscription.objects.count() == 0


def test_private_address_refused_by_the_action(client, admin, settings):
    settings.ZABOTA_WEBHOOK_ALLOW_PRIVATE = False
    client.force_login(admin.user)

    response = client.post(
        reverse("webhooks:create"), {"url": "http://127.0.0.1:8000/x", "events": ["message.created"]}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["url"]
    assert WebhookSubscription.objects.count() == 0


def test_edit(client, admin, subscription):
    client.force_login(admin.user)
    secret = subscription.secret

    page = client.get(reverse("webhooks:edit", args=[subscription.pk]))
    response = client.post(
        reverse("webhooks:edit", args=[subscription.pk]),
        {
            "url": "https://crm.example.ru/v2",
            "events": ["customer.created", "customer.merged"],
            "description": "",
        },
    )

    assert page.context["form"].initial["events"] == ["conversation.created"]
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.url, subscription.events, subscription.description, subscription.secret) == (
        "https://crm.example.ru/v2",
        ["customer.created", "customer.merged"],
        "",
        secret,
    )


def test_deactivate_activate_and_delete(client, admin, subscription):
    client.force_login(admin.user)

    client.post(reverse("webhooks:set_active", args=[subscription.pk]), {"active": "0"})
    subscription.refresh_from_db()
    assert subscription.is_active is False
    client.post(reverse("webhooks:set_active", args=[subscription.pk]), {"active": "1"})
    subscription.refresh_from_db()
    assert subscription.is_active is True

    response = client.post(reverse("webhooks:delete", args=[subscription.pk]))

    assert response.status_code == 302
    assert WebhookSubscription.objects.count() == 0


def test_delivery_log_and_retry(client, admin, subscription, django_capture_on_commit_callbacks):
    failed = _delivery(subscription, response_code=500, error="HTTP 500", attempts=8)
    succeeded = _delivery(subscription, status="succeeded", response_code=200, attempts=1)
    client.force_login(admin.user)

    log = client.get(reverse("webhooks:deliveries", args=[subscription.pk]))
    with django_capture_on_commit_callbacks() as callbacks:
        retry = client.post(reverse("webhooks:redeliver", args=[subscription.pk, failed.pk]))

    assert log.status_code == 200
    assert [d.pk for d in log.context["page"]] == [succeeded.pk, failed.pk]
    assert "HTTP 500" in log.content.decode()
    assert retry.status_code == 302
    assert retry["Location"] == reverse("webhooks:deliveries", args=[subscription.pk])
    failed.refresh_from_db()
    assert (failed.status, failed.next_attempt_at) == ("pending", None)
    assert len(callbacks) == 1


def test_another_stores_subscription_and_delivery_are_404(client, admin, store, other_store, subscription):
    make_agent(other_store, role="admin")
    foreign = create_subscription(
        store=other_store, url="https://other.example.ru/", events=["message.created"], by=Actor.system()
    )
    foreign_delivery = _delivery(foreign)
    own_delivery = _delivery(subscription)
    client.force_login(admin.user)

    responses = [
        client.get(reverse("webhooks:edit", args=[foreign.pk])),
        client.post(
            reverse("webhooks:edit", args=[foreign.pk]),
            {"url": "https://x.example.ru/", "events": ["message.created"]},
        ),
        client.post(reverse("webhooks:set_active", args=[foreign.pk]), {"active": "0"}),
        client.post(reverse("webhooks:delete", args=[foreign.pk])),
        client.get(reverse("webhooks:deliveries", args=[foreign.pk])),
        client.post(reverse("webhooks:redeliver", args=[foreign.pk, foreign_delivery.pk])),
        client.post(reverse("webhooks:redeliver", args=[subscription.pk, foreign_delivery.pk])),
        client.post(reverse("webhooks:redeliver", args=[foreign.pk, own_delivery.pk])),
    ]

    assert [r.status_code for r in responses] == [404] * 8
    foreign.refresh_from_db()
    foreign_delivery.refresh_from_db()
    assert (foreign.url, foreign.is_active, foreign_delivery.status) == (
        "https://other.example.ru/",
        True,
        "failed",
    )
