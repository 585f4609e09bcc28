"""Who may do what: agent, lead, admin, a deactivated admin, and an admin of another store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.factories import make_agent, make_conversation, make_customer, make_store
from zabota.conversations import actions
from zabota.conversations.models import Macro, Script
from zabota.core.errors import PermissionDenied
from zabota.customers.models import CustomerMerge
from zabota.stores import actions as store_actions
from zabota.stores.actors import Actor
from zabota.stores.models import Agent, ApiToken, Store, Team
from zabota.webhooks import actions as webhook_actions
from zabota.webhooks.models import WebhookSubscription

ROLES = ["agent", "lead", "admin", "deactivated", "other-store"]


def _actor(store: Store, who: str) -> Actor:
    if who == "deactivated":
        return Actor.of_agent(make_agent(store, role="admin", is_active=False))
    if who == "other-store":
        return Actor.of_agent(make_agent(make_store(), role="admin"))
    return Actor.of_agent(make_agent(store, role=who))


def _assign_others(store: Store, by: Actor) -> int:
    conversation = make_conversation(store)
    actions.assign(conversation=conversation, to=make_agent(store), by=by)
    conversation.refresh_from_db()
    return 1 if conversation.assignee_id else 0


def _merge_customers(store: Store, by: Actor) -> int:
    actions.merge_customers(source=make_customer(store), target=make_customer(store), by=by)
    return CustomerMerge.objects.count()


def _macro(store: Store, by: Actor) -> int:
    actions.save_macro(store=store, by=by, name="Спасибо", text="Спасибо за обращение!")
    return Macro.objects.count()


def _delete_macro(store: Store, by: Actor) -> int:
    macro = Macro.objects.create(store=store, name="Старый", text="Текст")
    actions.delete_macro(macro=macro, by=by)
    return 1 - Macro.objects.count()


def _script(store: Store, by: Actor) -> int:
    actions.save_script(
        store=store, by=by, name="Возврат", category="return", channel="any", steps=[("Шаг", "Текст")]
    )
    return Script.objects.count()


def _webhook(store: Store, by: Actor) -> int:
    webhook_actions.create_subscription(
        store=store, url="https://crm.example.ru/hook", events=["message.created"], by=by
    )
    return WebhookSubscription.objects.count()


def _token(store: Store, by: Actor) -> int:
    store_actions.create_token(store=store, name="CRM", scopes=["conversations:read"], by=by)
    return ApiToken.objects.count()


def _team(store: Store, by: Actor) -> int:
    store_actions.create_team(store=store, name="Доставка", by=by)
    return Team.objects.count()


def _new_agent(store: Store, by: Actor) -> int:
    before = Agent.objects.count()
    store_actions.create_agent(
        store=store, by=by, username="new.agent", password="pass12345!", display_name="Новый"
    )
    return Agent.objects.count() - before


def _update_agent(store: Store, by: Actor) -> int:
    target = make_agent(store, role="agent")
    store_actions.update_agent(agent=target, by=by, role="lead")
    return 1 if Agent.objects.get(pk=target.pk).role == "lead" else 0


ALLOWED: dict[str, tuple[Callable[[Store, Actor], int], set[str]]] = {
    "assign-others": (_assign_others, {"lead", "admin"}),
    "merge-customers": (_merge_customers, {"lead", "admin"}),
    "save-macro": (_macro, {"lead", "admin"}),
    "delete-macro": (_delete_macro, {"lead", "admin"}),
    "save-script": (_script, {"lead", "admin"}),
    "webhooks": (_webhook, {"admin"}),
    "tokens": (_token, {"admin"}),
    "team": (_team, {"admin"}),
    "create-agent": (_new_agent, {"admin"}),
    "update-agent": (_update_agent, {"admin"}),
}

CASES: list[Any] = [
    pytest.param(action, who, who in allowed, id=f"{action}-{who}")
    for action, (_fn, allowed) in ALLOWED.items()
    for who in ROLES
]


@pytest.mark.parametrize(("action", "who", "allowed"), CASES)
def test_permission(store, action, who, allowed):
    do, _roles = ALLOWED[action]
    by = _actor(store, who)
    if allowed:
        assert do(store, by) == 1
    else:
        with pytest.raises(PermissionDenied):
            do(store, by)
