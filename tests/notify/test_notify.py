"""notify(): one row per (agent, dedupe_key), only the store's agents, realtime and tasks after commit."""

from __future__ import annotations

import pytest

from tests.factories import make_agent
from tests.notify.conftest import CHAT_ID, wants
from zabota.core.errors import InvalidInput
from zabota.notify.actions import notify
from zabota.notify.models import Notification, NotificationDelivery
from zabota.webhooks.models import WebhookDelivery, WebhookSubscription

BREACH = {
    "kind": "sla.breached",
    "title": "Первый ответ просрочен: №12",
    "body": "Покупатель ждёт 12 минут.",
    "url": "/c/12/",
    "severity": "critical",
    "dedupe_key": "sla:12:first_response:0:breached",
}


def test_same_key_twice_gives_one_row_and_one_delivery(
    store, agent, enqueued, django_capture_on_commit_callbacks
):
    # given
    wants(agent, telegram=True, telegram_chat_id=CHAT_ID)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(store_id=store.pk, agent_ids=[agent.pk], **BREACH)
    with django_capture_on_commit_callbacks(execute=True):
        second = notify(store_id=store.pk, agent_ids=[agent.pk], **BREACH)
    # then
    assert (first, second) == (1, 0)
    assert Notification.objects.count() == 1
    delivery = NotificationDelivery.objects.get()
    assert (delivery.channel, delivery.status) == ("telegram", "queued")
    assert [r.kwargs for r in enqueued] == [{"store_id": store.pk, "delivery_id": delivery.pk}]


def test_new_agent_added_to_a_known_key_gets_only_their_row(store, agent, lead):
    notify(store_id=store.pk, agent_ids=[agent.pk], **BREACH)

    created = notify(store_id=store.pk, agent_ids=[agent.pk, lead.pk], **BREACH)

    assert created == 1
    assert sorted(Notification.objects.values_list("agent_id", flat=True)) == sorted([agent.pk, lead.pk])


def test_other_stores_and_inactive_agents_are_ignored(store, other_store, agent, published):
    # given
    stranger = make_agent(other_store, name="Чужой агент")
    gone = make_agent(store, name="Уволенный", is_active=False)
    # when
    created = notify(store_id=store.pk, agent_ids=[agent.pk, stranger.pk, gone.pk, 987654], **BREACH)
    # then
    assert created == 1
    assert list(Notification.objects.values_list("store_id", "agent_id")) == [(store.pk, agent.pk)]


def test_published_to_the_agent_only_after_commit(
    store, agent, published, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(store_id=store.pk, agent_ids=[agent.pk], **BREACH)
    # then nothing is out before the commit
    assert published == []
    for callback in callbacks:
        callback()
    notification = Notification.objects.get()
    assert [(e.store_id, e.event, e.audience, e.payload) for e in published] == [
        (
            store.pk,
            "notification.created",
            f"agent-{agent.pk}",
            {
                "id": notification.pk,
                "agent_id": agent.pk,
                "kind": "sla.breached",
                "title": "Первый ответ просрочен: №12",
                "url": "/c/12/",
                "severity": "critical",
            },
        )
    ]


def test_rolled_back_caller_publishes_and_enqueues_nothing(store, agent, published, enqueued):
    from django.db import transaction

    wants(agent, email=True)
    agent.user.email = "olga@example.ru"
    agent.user.save()

    def caller() -> None:
        with transaction.atomic():
            notify(store_id=store.pk, agent_ids=[agent.pk], **BREACH)
            raise RuntimeError("the caller failed")

    with pytest.raises(RuntimeError):
        caller()

    assert (Notification.objects.count(), NotificationDelivery.objects.count()) == (0, 0)
    assert (published, enqueued) == ([], [])


def test_outbound_webhook_notification_created(store, agent, django_capture_on_commit_callbacks):
    # given
    WebhookSubscription.objects.create(
        store=store, url="https://crm.example.ru/hook", events=["notification.created"]
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        notify(store_id=store.pk, agent_ids=[agent.pk], payload={"conversation_id": 12}, **BREACH)
    # then
    notification = Notification.objects.get()
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "notification.created"
    assert delivery.payload["data"] == {
        "notification": {
            "id": notification.pk,
            "agent_id": agent.pk,
            "kind": "sla.breached",
            "title": "Первый ответ просрочен: №12",
            "body": "Покупатель ждёт 12 минут.",
            "url": "/c/12/",
            "severity": "critical",
            "payload": {"conversation_id": 12},
            "dedupe_key": "sla:12:first_response:0:breached",
            "created_at": notification.created_at.isoformat(),
        }
    }


def test_channels_follow_each_agents_preferences(store, agent, lead, admin):
    # given: the agent wants email and Telegram, the lead only Telegram without a chat id, the admin defaults
    agent.user.email = "olga@example.ru"
    agent.user.save()
    wants(agent, email=True, telegram=True, telegram_chat_id=CHAT_ID)
    wants(lead, telegram=True, telegram_chat_id="")
    # when
    notify(store_id=store.pk, agent_ids=[agent.pk, lead.pk, admin.pk], **BREACH)
    # then
    assert sorted(NotificationDelivery.objects.values_list("notification__agent_id", "channel")) == sorted(
        [(agent.pk, "email"), (agent.pk, "telegram")]
    )


def test_muted_kinds_and_in_app_off_are_kept_silent(store, agent, lead, admin, published):
    # given
    wants(agent, telegram=True, telegram_chat_id=CHAT_ID, kinds_muted=["sla"])
    wants(lead, in_app=False, telegram=True, telegram_chat_id=CHAT_ID)
    wants(admin, kinds_muted=["sla.warned"])
    # when
    created = notify(store_id=store.pk, agent_ids=[agent.pk, lead.pk, admin.pk], **BREACH)
    # then: everyone has the row (history); muted and in-app-off rows are already read
    assert created == 3
    read = dict(Notification.objects.values_list("agent_id", "read_at"))
    assert (read[agent.pk] is not None, read[lead.pk] is not None, read[admin.pk] is None) == (
        True,
        True,
        True,
    )
    # the agent muted the kind: no Telegram either; the lead only switched the bell off
    assert list(NotificationDelivery.objects.values_list("notification__agent_id", "channel")) == [
        (lead.pk, "telegram")
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "SLA Breached"}, "kind"),
        ({"title": "  "}, "title"),
        ({"severity": "urgent"}, "severity"),
        ({"dedupe_key": ""}, "dedupe_key"),
        ({"dedupe_key": "k" * 201}, "dedupe_key"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "//evil.example.com/"}, "url"),
    ],
    ids=["kind", "title", "severity", "empty-key", "long-key", "js-url", "protocol-relative-url"],
)
def test_bad_input_is_refused_and_nothing_is_written(store, agent, change, field):
    with pytest.raises(InvalidInput) as caught:
        notify(store_id=store.pk, agent_ids=[agent.pk], **{**BREACH, **change})

    assert caught.value.field == field
    assert Notification.objects.count() == 0


def test_long_title_is_shortened(store, agent):
    notify(store_id=store.pk, agent_ids=[agent.pk], **{**BREACH, "title": "Я" * 250})

    title = Notification.objects.get().title
    assert (len(title), title[-1]) == (200, "…")


def test_no_agents_is_a_no_op(store, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert notify(store_id=store.pk, agent_ids=[], **BREACH) == 0
