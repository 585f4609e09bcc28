"""A store with one of everything the API exposes, and a snapshot of every row a store owns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps

from tests.factories import make_agent, make_conversation, make_customer, make_team
from zabota.announcements.actions import Draft, publish
from zabota.conversations import actions
from zabota.conversations.models import Conversation, Macro, Script
from zabota.customers.models import Customer
from zabota.notify.actions import notify
from zabota.notify.models import Notification
from zabota.stores.actors import Actor
from zabota.stores.models import Agent, Store
from zabota.webhooks.actions import create_subscription
from zabota.webhooks.models import WebhookDelivery


@dataclass
class Filled:
    store: Store
    agent: int
    l2_agent: int
    team: int
    tag: int
    customer: int
    other_customer: int
    merge: int
    conversation: int
    other_conversation: int
    message: int
    macro: int
    script: int
    subscription: int
    delivery: int
    notification: int
    announcement: int


def fill(store: Store, marker: str) -> Filled:
    """Everything is named with ``marker`` so a leak shows up in any response text."""
    system = Actor.system()
    admin = make_agent(store, role="admin", tier="l2", name=f"Админ {marker}")
    agent = make_agent(store, name=f"Агент {marker}")
    team = make_team(store, name=f"Команда {marker}")
    subscription = create_subscription(
        store=store,
        url=f"https://hooks.example.ru/{store.slug}",
        events=["customer.created"],
        by=system,
        description=f"Хук {marker}",
    )
    customer = make_customer(store, name=f"Покупатель {marker}", email=f"buyer@{store.slug}.ru")
    other = make_customer(store, name=f"Другой {marker}", email=f"other@{store.slug}.ru")
    merged_away = make_customer(store, name=f"Слитый {marker}", email=f"merged@{store.slug}.ru")
    merge = actions.merge_customers(source=merged_away, target=other, by=system)
    conversation = make_conversation(store, customer=customer, text=f"Вопрос {marker}")
    other_conversation = make_conversation(store, customer=other, text=f"Ещё вопрос {marker}")
    actions.set_tags(conversation=conversation, names=[f"тег {marker}"], by=system)
    macro = actions.save_macro(store=store, by=system, name=f"Макрос {marker}", text=f"Ответ {marker}")
    script = actions.save_script(
        store=store,
        by=system,
        name=f"Скрипт {marker}",
        category="order",
        channel="any",
        steps=[(f"Шаг {marker}", f"Скажите {marker}")],
    )
    tag = conversation.tags.get()
    announcement = publish(store=store, draft=Draft(title=f"Объявление {marker}", must_read=True), by=system)
    notify(
        store_id=store.pk,
        agent_ids=[agent.pk],
        kind="sla.warned",
        title=f"Уведомление {marker}",
        dedupe_key="k",
    )
    return Filled(
        store=store,
        agent=agent.pk,
        l2_agent=admin.pk,
        team=team.pk,
        tag=tag.pk,
        customer=customer.pk,
        other_customer=other.pk,
        merge=merge.pk,
        conversation=conversation.pk,
        other_conversation=other_conversation.pk,
        message=conversation.messages.get().pk,
        macro=macro.pk,
        script=script.pk,
        subscription=subscription.pk,
        delivery=WebhookDelivery.objects.filter(subscription=subscription).order_by("id").first().pk,
        notification=Notification.objects.get(agent=agent, kind="sla.warned").pk,
        announcement=announcement.pk,
    )


def snapshot(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Every row owned by the store (and the many-to-many links), to prove a request changed nothing."""
    rows: dict[str, list[dict[str, Any]]] = {
        "store": list(Store.objects.filter(pk=store.pk).values()),
        "conversation_tags": list(
            Conversation.tags.through.objects.filter(conversation__store=store).order_by("pk").values()
        ),
        "agent_teams": list(Agent.teams.through.objects.filter(agent__store=store).order_by("pk").values()),
    }
    for model in apps.get_models():
        if model._meta.app_label in (
            "stores",
            "customers",
            "conversations",
            "connectors",
            "webhooks",
            "core",
            "notify",
            "announcements",
        ):
            names = {f.name for f in model._meta.get_fields()}
            if "store" in names:
                rows[model._meta.label] = list(model.objects.filter(store=store).order_by("pk").values())
    return rows


__all__ = ["Customer", "Filled", "Macro", "Script", "fill", "snapshot"]
