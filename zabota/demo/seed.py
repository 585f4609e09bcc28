"""Seeding the demo store «Пример»: people, playbook, an API token and 200 conversations over 90 days."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from zabota.announcements import actions as announcement_actions
from zabota.conversations import actions as conversation_actions
from zabota.conversations.models import Conversation, Macro
from zabota.conversations.sweep import sweep_deadlines
from zabota.customers import actions as customer_actions
from zabota.customers.models import Customer
from zabota.demo.clock import Clock, frozen_at
from zabota.demo.data.announcements import ANNOUNCEMENTS
from zabota.demo.data.people import AGENTS, CUSTOMERS, STORE_NAME, STORE_SLUG, TEAMS, DemoAgent
from zabota.demo.data.playbook import MACROS, SCRIPTS
from zabota.demo.plan import SEED, VIP_CUSTOMERS, plan
from zabota.demo.play import Cast, play
from zabota.sla.actions import ensure_default_policies
from zabota.stores import actions as store_actions
from zabota.stores.actors import Actor
from zabota.stores.models import ALL_SCOPES, Agent, Presence, Store, Team
from zabota.stores.presence import set_presence

VIP_NOTE = "Постоянный покупатель: больше 15 заказов за год. Отвечать в приоритете, по возможности — бонус."


@dataclass(frozen=True)
class SeedResult:
    store: Store
    agents: tuple[DemoAgent, ...]
    token: str
    conversations: int


def existing_store() -> Store | None:
    return Store.objects.filter(slug=STORE_SLUG).first()


def drop() -> None:
    """Remove the demo store with everything it owns, and the demo logins."""
    store = existing_store()
    with transaction.atomic():
        if store is not None:
            # conversations first: a customer's conversations are protected from cascades
            Conversation.objects.filter(store=store).delete()
            store.delete()
        User.objects.filter(username__in=[a.username for a in AGENTS], agents__isnull=True).delete()


def _people(store: Store, system: Actor) -> tuple[dict[str, Agent], dict[str, Team]]:
    teams = {
        name: store_actions.create_team(store=store, name=name, description=description, by=system)
        for name, description in TEAMS
    }
    agents: dict[str, Agent] = {}
    for spec in AGENTS:
        agent = store_actions.create_agent(
            store=store,
            by=system,
            username=spec.username,
            password=spec.password,
            display_name=spec.display_name,
            role=spec.role,
            tier=spec.tier,
            teams=[teams[name] for name in spec.teams],
            capacity=spec.capacity,
            email=f"{spec.username}@primer.example",
        )
        agents[spec.key] = store_actions.update_agent(agent=agent, by=system, signature=spec.signature)
    return agents, teams


def _customers(store: Store, system: Actor, agents: dict[str, Agent]) -> list[Customer]:
    customers: list[Customer] = []
    for index, spec in enumerate(CUSTOMERS):
        customer = customer_actions.create_customer(
            store=store,
            by=system,
            name=spec.name,
            first_name=spec.first_name,
            last_name=spec.last_name,
            identities=[("email", spec.email)],
        )
        for kind, value in (("phone", spec.phone), ("telegram", spec.telegram), ("vk", spec.vk)):
            if value:
                customer_actions.add_identity(customer=customer, kind=kind, value=value, by=system)
        if index in VIP_CUSTOMERS:
            customer_actions.add_note(customer=customer, text=VIP_NOTE, by=Actor.of_agent(agents["lead"]))
            customer_actions.update_customer(customer=customer, by=system, tags=["VIP"])
        customers.append(customer)
    return customers


def _playbook(store: Store, admin: Agent) -> dict[str, Macro]:
    by = Actor.of_agent(admin)
    macros = {
        name: conversation_actions.save_macro(store=store, by=by, name=name, text=text, actions=macro_actions)
        for name, text, macro_actions in MACROS
    }
    for name, category, channel, steps in SCRIPTS:
        conversation_actions.save_script(
            store=store, by=by, name=name, category=category, channel=channel, steps=list(steps)
        )
    return macros


def seed_announcements(store: Store, lead: Agent, teams: dict[str, Team], *, now: datetime) -> None:
    for spec in ANNOUNCEMENTS:
        announcement_actions.publish(
            store=store,
            by=Actor.of_agent(lead),
            draft=announcement_actions.Draft(
                title=spec.title,
                body=spec.body,
                kind=spec.kind,
                severity=spec.severity,
                audience="teams" if spec.teams else "everyone",
                teams=[teams[name] for name in spec.teams],
                must_read=spec.must_read,
                starts_at=now - timedelta(hours=spec.starts_hours_ago),
                ends_at=now + timedelta(hours=spec.ends_in_hours) if spec.ends_in_hours else None,
                is_incident=bool(spec.public_text),
                public_text=spec.public_text,
            ),
        )


def seed(*, now: datetime | None = None) -> SeedResult:
    """Create the demo store; the caller checks it does not exist yet."""
    now = now or timezone.now()
    system = Actor.system("seed_demo")
    clock = Clock(now - timedelta(days=120))
    with transaction.atomic():
        with frozen_at(clock):
            store = Store.objects.create(
                name=STORE_NAME, slug=STORE_SLUG, timezone="Europe/Moscow", locale="ru", currency="RUB"
            )
            agents, teams = _people(store, system)
            clock.advance(timedelta(days=2))
            macros = _playbook(store, agents["admin"])
            _token, raw_token = store_actions.create_token(
                store=store, name="Демо-интеграция", scopes=list(ALL_SCOPES), by=system
            )
            clock.advance(timedelta(days=1))
            customers = _customers(store, system, agents)
            ensure_default_policies(store=store, by=system)  # working hours, calls, chats, messages, VIP
        cast = Cast(store=store, agents=agents, teams=teams, customers=customers, macros=macros)
        rng = random.Random(SEED + 1)
        planned = plan()
        for item in planned:
            play(item, cast, now=now, rng=rng)
        seed_announcements(store, agents["lead"], teams, now=now)
        # Two agents on shift, so routing and the operations board have someone to show.
        for key in ("olga", "sergey"):
            set_presence(agent=agents[key], presence=Presence.ONLINE, by=Actor.of_agent(agents[key]))
    # Targets that ran out during the played history become warnings and breaches now, as the worker's
    # sweep would have recorded them; their notifications are sent by the worker once `serve` runs.
    sweep_deadlines(now)
    return SeedResult(store=store, agents=AGENTS, token=raw_token, conversations=len(planned))
