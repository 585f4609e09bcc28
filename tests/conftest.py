from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.factories import make_agent, make_store
from zabota.core import realtime
from zabota.core.realtime import RealtimeEvent


@pytest.fixture
def store(db):
    return make_store("Пример", slug="primer")


@pytest.fixture
def other_store(db):
    return make_store("Чужой", slug="chuzhoy")


@pytest.fixture
def agent(store):
    return make_agent(store, role="agent", tier="l1", name="Ольга Агентова")


@pytest.fixture
def lead(store):
    return make_agent(store, role="lead", tier="l2", name="Лидия Старшая")


@pytest.fixture
def admin(store):
    return make_agent(store, role="admin", tier="l2", name="Антон Админов")


@pytest.fixture
def published() -> Iterator[list[RealtimeEvent]]:
    events: list[RealtimeEvent] = []
    unsubscribe = realtime.subscribe(events.append)
    yield events
    unsubscribe()
