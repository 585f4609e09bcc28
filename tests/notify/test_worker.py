"""End to end through the database queue: notify() -> a worker -> the local Bot API and the mailbox."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command

from tests.factories import make_agent, make_store
from tests.notify.conftest import BOT_TOKEN, CHAT_ID, wants
from zabota.notify.actions import notify
from zabota.notify.models import NotificationDelivery


@pytest.mark.django_db(transaction=True)
def test_a_worker_delivers_each_channel_once(settings, fake_telegram):
    # given the database task backend and an agent who wants email and Telegram
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    store = make_store("Пример", options={"telegram": {"bot_token": BOT_TOKEN}})
    agent = make_agent(store, name="Ольга Агентова")
    agent.user.email = "olga@example.ru"
    agent.user.save()
    wants(agent, email=True, telegram=True, telegram_chat_id=CHAT_ID)
    values = {"kind": "sla.breached", "title": "Просрочка №7", "url": "/c/7/", "dedupe_key": "sla:7:fr:0:b"}
    # when the sender runs twice (a retried sweep) and a worker drains the queue
    notify(store_id=store.pk, agent_ids=[agent.pk], **values)
    notify(store_id=store.pk, agent_ids=[agent.pk], **values)
    call_command("db_worker", batch=True, queue_name="default", interval=0, no_startup_delay=True)
    # then
    assert sorted(NotificationDelivery.objects.values_list("channel", "status", "attempts")) == [
        ("email", "sent", 1),
        ("telegram", "sent", 1),
    ]
    assert [m.subject for m in mail.outbox] == ["[Пример] Просрочка №7"]
    assert [m["chat_id"] for m in fake_telegram.sent] == [CHAT_ID]
