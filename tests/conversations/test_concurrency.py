"""Races on a real multi-connection database: duplicate deliveries and per-store numbering."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from tests.factories import make_store
from zabota.connectors.inbound import Inbound
from zabota.conversations import actions
from zabota.conversations.models import Conversation, Message

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs the test database in memory for one connection; races are exercised on PostgreSQL",
)


def _race(workers: int, work: Callable[[int], None]) -> list[BaseException]:
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            work(n)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def _inbound(key: str, *, thread: str, email: str) -> Inbound:
    return Inbound(
        channel="api",
        identity_kind="email",
        identity_value=email,
        text="Где заказ?",
        external_id=key,
        external_thread_id=thread,
    )


@pytest.mark.django_db(transaction=True)
def test_the_same_message_delivered_concurrently_is_stored_once():
    store = make_store(slug="race-dup")
    errors = _race(
        6, lambda n: actions.deliver(store=store, inbound=_inbound("same", thread="t", email="a@x.ru"))
    )
    assert errors == []
    assert Message.objects.for_store(store).count() == 1
    assert Conversation.objects.for_store(store).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_new_conversations_get_distinct_sequential_numbers():
    store = make_store(slug="race-numbers")
    errors = _race(
        8,
        lambda n: actions.deliver(store=store, inbound=_inbound(f"k{n}", thread=f"t{n}", email=f"c{n}@x.ru")),
    )
    assert errors == []
    numbers = sorted(Conversation.objects.for_store(store).values_list("number", flat=True))
    assert numbers == list(range(1, 9))
