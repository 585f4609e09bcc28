"""Small, explicit factories for tests."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth.models import User

from zabota.conversations import actions
from zabota.conversations.models import Conversation, Message
from zabota.customers.actions import create_customer
from zabota.customers.models import Customer
from zabota.stores.actors import Actor
from zabota.stores.models import ALL_SCOPES, Agent, ApiToken, Store, Team, hash_token

_seq = itertools.count(1)


def make_store(name: str = "", **kwargs: Any) -> Store:
    n = next(_seq)
    return Store.objects.create(name=name or f"Магазин {n}", slug=kwargs.pop("slug", f"store-{n}"), **kwargs)


def make_agent(
    store: Store, *, role: str = "agent", tier: str = "l1", name: str = "", **kwargs: Any
) -> Agent:
    n = next(_seq)
    user = User.objects.create_user(username=kwargs.pop("username", f"user{n}"), password="pass12345!")
    return Agent.objects.create(
        store=store, user=user, display_name=name or f"Агент {n}", role=role, tier=tier, **kwargs
    )


def make_team(store: Store, name: str = "") -> Team:
    return Team.objects.create(store=store, name=name or f"Команда {next(_seq)}")


def make_customer(store: Store, *, name: str = "", email: str | None = None) -> Customer:
    n = next(_seq)
    return create_customer(
        store=store,
        by=Actor.system(),
        name=name or f"Покупатель {n}",
        identities=[("email", email or f"buyer{n}@example.ru")],
    )


def make_conversation(
    store: Store,
    *,
    customer: Customer | None = None,
    channel: str = "chat",
    text: str = "Здравствуйте!",
    **kwargs: Any,
) -> Conversation:
    customer = customer or make_customer(store)
    message = actions.receive_message(
        store=store,
        customer=customer,
        channel=channel,
        text=text,
        by=Actor.customer(customer.display_name),
        **kwargs,
    )
    return message.conversation


def make_message(conversation: Conversation, text: str = "Ещё вопрос") -> Message:
    return actions.receive_message(
        store=conversation.store,
        customer=conversation.customer,
        channel=conversation.channel,
        text=text,
        by=Actor.customer(),
        conversation=conversation,
    )


def make_token(store: Store, *, agent: Agent | None = None, scopes: tuple[str, ...] = ALL_SCOPES) -> str:
    raw = f"zb_{next(_seq)}_{store.pk}_secret"
    ApiToken.objects.create(
        store=store, agent=agent, name="test", scopes=list(scopes), prefix=raw[:8], token_hash=hash_token(raw)
    )
    return raw
