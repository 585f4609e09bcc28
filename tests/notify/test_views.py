"""Pages: the bell, the list with mark read, following a link, preferences, the Telegram test, the bot token."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_agent
from tests.notify.conftest import BOT_TOKEN, CHAT_ID, wants
from zabota.notify.actions import notify
from zabota.notify.models import Notification, NotificationDelivery, NotificationPreference


def _notify(agent, n: int = 1, **overrides) -> list[Notification]:
    for i in range(n):
        values = {
            "kind": "sla.warned",
            "title": f"Скоро просрочка №{i}",
            "url": f"/c/{i}/",
            "dedupe_key": f"k{i}",
            **overrides,
        }
        notify(store_id=agent.store_id, agent_ids=[agent.pk], **values)
    return list(Notification.objects.filter(agent=agent).order_by("id"))


@pytest.fixture
def signed_in(client, agent):
    client.force_login(agent.user)
    return client


def test_pages_need_a_login(client):
    for name in ("notify:list", "notify:preferences"):
        response = client.get(reverse(name))
        assert (response.status_code, response["Location"].split("?")[0]) == (302, reverse("login"))
    assert client.get(reverse("notify:bell")).status_code == 204


def test_topbar_has_the_bell_that_polls(signed_in):
    html = signed_in.get(reverse("inbox")).content.decode()

    assert f'hx-get="{reverse("notify:bell")}"' in html
    assert 'hx-trigger="load, every 30s, zabota:notifications from:body"' in html


def test_bell_counts_unread(signed_in, agent, lead):
    _notify(agent, 3)
    _notify(lead, 2)
    Notification.objects.filter(agent=agent, dedupe_key="k0").update(read_at="2026-01-01T00:00:00Z")

    html = signed_in.get(reverse("notify:bell")).content.decode()

    assert ">2</span>" in html
    assert "2 unread notifications" in html


def test_bell_is_empty_without_unread(signed_in):
    assert signed_in.get(reverse("notify:bell")).content.decode().strip() == ""


def test_list_shows_only_own_notifications(signed_in, agent, lead):
    _notify(agent, 2)
    _notify(lead, 1, title="Чужое уведомление")

    html = signed_in.get(reverse("notify:list")).content.decode()

    assert ("Скоро просрочка №0" in html, "Скоро просрочка №1" in html) == (True, True)
    assert "Чужое уведомление" not in html


def test_mark_read_with_htmx_updates_the_item_and_the_bell(signed_in, agent):
    first, second = _notify(agent, 2)

    response = signed_in.post(reverse("notify:read", args=[first.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="notification-{first.pk}"' in html
    assert "Mark read" not in html
    assert 'id="bell-count" hx-swap-oob="innerHTML"' in html
    assert ">1</span>" in html
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.read_at is not None, second.read_at) == (True, None)


def test_mark_all_read(signed_in, agent, lead):
    _notify(agent, 3)
    _notify(lead, 1)

    response = signed_in.post(reverse("notify:read_all"))

    assert response.status_code == 302
    assert Notification.objects.filter(agent=agent, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(agent=lead, read_at__isnull=True).count() == 1


def test_another_agents_notification_is_not_found(signed_in, store, lead, other_store, enqueued):
    [theirs] = _notify(lead)
    stranger = make_agent(other_store)
    [foreign] = _notify(stranger)

    responses = [
        signed_in.post(reverse("notify:read", args=[theirs.pk])),
        signed_in.get(reverse("notify:open", args=[theirs.pk])),
        signed_in.post(reverse("notify:read", args=[foreign.pk])),
        signed_in.get(reverse("notify:open", args=[foreign.pk])),
    ]

    assert [r.status_code for r in responses] == [404] * 4
    assert Notification.objects.filter(read_at__isnull=False).count() == 0


def test_open_marks_read_and_follows_the_link(signed_in, agent):
    [notification] = _notify(agent)

    response = signed_in.get(reverse("notify:open", args=[notification.pk]))

    assert (response.status_code, response["Location"]) == (302, "/c/0/")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_open_never_redirects_to_another_site(signed_in, agent):
    [notification] = _notify(agent, url="https://evil.example.com/phish")

    response = signed_in.get(reverse("notify:open", args=[notification.pk]))

    assert response["Location"] == reverse("notify:list")


def test_save_preferences(signed_in, agent):
    response = signed_in.post(
        reverse("notify:preferences"),
        {"in_app": "on", "telegram": "on", "telegram_chat_id": CHAT_ID, "kinds_muted": ["queue"]},
    )

    assert response.status_code == 302
    preference = NotificationPreference.objects.get(agent=agent)
    assert (preference.in_app, preference.email, preference.telegram, preference.telegram_chat_id) == (
        True,
        False,
        True,
        CHAT_ID,
    )
    assert preference.kinds_muted == ["queue"]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"telegram": "on"}, "Enter your Telegram chat id to get notifications there."),
        ({"telegram_chat_id": "not a chat"}, "A Telegram chat id is a number"),
        ({"email": "on"}, "Your user account has no email address."),
        ({"kinds_muted": ["nonsense"]}, "Select a valid choice."),
    ],
    ids=["telegram-without-chat", "bad-chat-id", "email-without-address", "unknown-kind"],
)
def test_bad_preferences_are_refused_and_nothing_saved(signed_in, agent, data, error):
    response = signed_in.post(reverse("notify:preferences"), data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert NotificationPreference.objects.filter(agent=agent).count() == 0


def test_received_kinds_outside_the_groups_can_be_muted(signed_in, agent):
    _notify(agent, kind="billing.overdue")

    html = signed_in.get(reverse("notify:preferences")).content.decode()

    assert 'value="billing.overdue"' in html
    assert 'value="sla"' in html


def test_telegram_test_message_success(signed_in, telegram_store, agent, fake_telegram):
    response = signed_in.post(reverse("notify:test_telegram"), {"telegram_chat_id": CHAT_ID})

    assert response.status_code == 200
    assert f"Test message sent to chat {CHAT_ID}." in response.content.decode()
    [sent] = fake_telegram.sent
    assert sent["chat_id"] == CHAT_ID
    assert sent["text"].startswith("Test message from Zabota: notifications for Ольга Агентова")


@pytest.mark.parametrize(
    ("chat_id", "with_token", "error"),
    [
        ("777", True, "Telegram answered 400: Bad Request: chat not found"),
        ("", True, "Enter your Telegram chat id first."),
        (CHAT_ID, False, "The store has no Telegram bot token yet"),
    ],
    ids=["chat-not-found", "no-chat-id", "no-token"],
)
def test_telegram_test_message_says_what_failed(
    signed_in, store, agent, fake_telegram, chat_id, with_token, error
):
    if with_token:
        store.options = {"telegram": {"bot_token": BOT_TOKEN}}
        store.save()

    response = signed_in.post(reverse("notify:test_telegram"), {"telegram_chat_id": chat_id})

    assert response.status_code == 400
    assert error in response.content.decode()
    assert fake_telegram.sent == []


def test_admin_saves_the_bot_token_and_sees_only_its_end(client, admin, store):
    client.force_login(admin.user)
    store.options = {"routing": {"mode": "round_robin"}}
    store.save()

    response = client.post(reverse("notify:bot_token"), {"bot_token": BOT_TOKEN})

    assert response.status_code == 302
    store.refresh_from_db()
    assert store.options == {"routing": {"mode": "round_robin"}, "telegram": {"bot_token": BOT_TOKEN}}
    html = client.get(reverse("notify:preferences")).content.decode()
    assert "A bot token ending in …ghij is saved." in html
    assert BOT_TOKEN not in html


def test_bad_bot_token_is_refused(client, admin, store):
    client.force_login(admin.user)

    response = client.post(reverse("notify:bot_token"), {"bot_token": "not-a-token"})

    assert response.status_code == 400
    assert "This does not look like a bot token" in response.content.decode()
    store.refresh_from_db()
    assert store.options == {}


@pytest.mark.parametrize("role", ["agent", "lead"])
def test_only_admins_set_the_bot_token(client, request, store, role):
    client.force_login(request.getfixturevalue(role).user)

    response = client.post(reverse("notify:bot_token"), {"bot_token": BOT_TOKEN})
    page = client.get(reverse("notify:preferences")).content.decode()

    assert response.status_code == 403
    assert 'id="bot-token-form"' not in page
    store.refresh_from_db()
    assert store.options == {}


def test_failed_delivery_is_shown_and_can_be_retried(
    signed_in, telegram_store, agent, enqueued, django_capture_on_commit_callbacks
):
    wants(agent, telegram=True, telegram_chat_id=CHAT_ID)
    _notify(agent)
    delivery = NotificationDelivery.objects.get()
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        status="failed", last_error="400: Bad Request: chat not found"
    )
    enqueued.clear()

    page = signed_in.get(reverse("notify:preferences")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("notify:retry_delivery", args=[delivery.pk]))

    assert "400: Bad Request: chat not found" in page
    assert response.status_code == 302
    assert [r.kwargs for r in enqueued] == [{"store_id": telegram_store.pk, "delivery_id": delivery.pk}]


def test_another_agents_failed_delivery_cannot_be_retried(signed_in, store, lead, enqueued):
    wants(lead, telegram=True, telegram_chat_id=CHAT_ID)
    _notify(lead)
    delivery = NotificationDelivery.objects.get()
    NotificationDelivery.objects.filter(pk=delivery.pk).update(status="failed")
    enqueued.clear()

    response = signed_in.post(reverse("notify:retry_delivery", args=[delivery.pk]))

    assert response.status_code == 404
    assert enqueued == []
