"""Concurrent senders of the same notification on a real multi-connection database."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tests.factories import make_agent, make_store
from tests.notify.conftest import CHAT_ID, wants
from zabota.notify.actions import notify
from zabota.notify.models import Notification, NotificationDelivery

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs the test database in memory for one connection; races are exercised on PostgreSQL",
)


@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_with_one_key_create_one_row_and_one_delivery(published):
    # given
    store = make_store(slug="notify-race")
    agent = make_agent(store)
    wants(agent, telegram=True, telegram_chat_id=CHAT_ID)
    workers = 6
    barrier = threading.Barrier(workers)
    created: list[int] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            barrier.wait(timeout=10)
            created.append(
                notify(
                    store_id=store.pk, agent_ids=[agent.pk], kind="sla.breached", title="Т", dedupe_key="same"
                )
            )
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=send) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # then: exactly one caller reports the row as its own, so only it publishes and queues the delivery
    assert errors == []
    assert sorted(created) == [0] * (workers - 1) + [1]
    assert (Notification.objects.count(), NotificationDelivery.objects.count(), len(published)) == (1, 1, 1)
