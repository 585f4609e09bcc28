from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from zabota.conversations.models import (
    Category,
    Conversation,
    ConversationEvent,
    Macro,
    Message,
    Script,
    Status,
)
from zabota.customers.models import Customer, Identity
from zabota.demo.plan import ALL_CHANNELS, plan
from zabota.stores.models import Agent, ApiToken, Role, Store


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_plan_is_deterministic_and_covers_every_category_channel_and_status():
    # when
    first, second = plan(), plan()

    # then
    assert [(p.story.subject, p.customer, p.channel, p.status) for p in first] == [
        (p.story.subject, p.customer, p.channel, p.status) for p in second
    ]
    assert len(first) == 200
    assert {p.story.category for p in first} == set(Category.values)
    assert {p.channel for p in first} == set(ALL_CHANNELS)
    assert {p.status for p in first} == set(Status.values)


@pytest.mark.django_db
def test_seed_demo_creates_the_store_and_a_second_run_does_not_duplicate():
    # when
    output = _seed()

    # then
    store = Store.objects.get(slug="primer")
    assert (store.name, store.timezone, store.currency) == ("Пример", "Europe/Moscow", "RUB")
    assert "http://127.0.0.1:8000/" in output
    assert "/api/v1/docs" in output
    assert "admin    / demo-admin" in output
    conversations = Conversation.objects.for_store(store)
    assert conversations.count() == 200
    assert Conversation.objects.filter(store=store, merged_into__isnull=False).count() == 7
    assert Customer.objects.for_store(store).count() == 30
    assert Identity.objects.filter(store=store).count() == 64
    assert set(conversations.values_list("category", flat=True)) == set(Category.values)
    assert set(conversations.values_list("channel", flat=True)) == set(ALL_CHANNELS)
    statuses = Counter(conversations.values_list("status", flat=True))
    assert set(statuses) == set(Status.values)
    assert statuses["new"] + statuses["open"] + statuses["pending"] + statuses["on_hold"] == 49
    assert Macro.objects.for_store(store).count() == 10
    assert Script.objects.for_store(store).count() == 6
    assert all(3 <= s.steps.count() <= 6 for s in Script.objects.for_store(store))
    assert set(Agent.objects.for_store(store).values_list("role", flat=True)) == set(Role.values)
    assert Agent.objects.for_store(store).filter(tier="l2").count() == 3
    assert ApiToken.objects.for_store(store).filter(agent__isnull=True).count() == 1
    now = timezone.now()
    assert not Message.objects.for_store(store).filter(created_at__gt=now).exists()
    oldest = conversations.order_by("created_at").first()
    assert oldest is not None
    assert 85 <= (now - oldest.created_at).days <= 90
    events = Counter(ConversationEvent.objects.for_store(store).values_list("type", flat=True))
    assert events["escalated"] == 30
    assert events["transferred"] == 6
    assert events["merged_into"] == 7
    assert Message.objects.for_store(store).filter(direction="note").count() == 34

    # when run again
    again = _seed()

    # then
    assert "already seeded" in again
    assert Store.objects.filter(slug="primer").count() == 1
    assert Conversation.objects.filter(store=store).count() == 207
    assert User.objects.filter(username="admin").count() == 1


@pytest.mark.django_db
def test_seed_demo_reset_recreates_the_store():
    # given
    _seed()
    old = Store.objects.get(slug="primer")

    # when
    output = _seed("--reset")

    # then
    assert "Dropped the demo store." in output
    new = Store.objects.get(slug="primer")
    assert new.pk != old.pk
    assert Conversation.objects.filter(store=old.pk).count() == 0
    assert Conversation.objects.for_store(new).count() == 200
    assert User.objects.filter(username__in=["admin", "lead", "olga"]).count() == 3
