"""Playing a planned conversation through the actions, each step at its own moment in the past."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from zabota.conversations import actions
from zabota.conversations.models import Conversation, Macro
from zabota.customers.models import Customer
from zabota.demo.clock import Clock, frozen_at
from zabota.demo.data.people import TEAM_L1, TEAM_L2, TEAM_RETURNS
from zabota.demo.plan import VIP_CUSTOMERS, Planned
from zabota.stores.actors import Actor
from zabota.stores.models import Agent, Store, Team

FOLLOW_UPS = (
    "Подскажите, пожалуйста, есть новости?",
    "Спасибо! А когда можно ждать ответа?",
    "Всё ещё жду, подскажите, что с моим вопросом?",
    "Добрый день, напоминаю о себе.",
)
ON_HOLD_NOTES = (
    "Ждём ответа склада, вернуться к вопросу завтра.",
    "Запросили информацию у службы доставки, ответ обещают в течение суток.",
    "Ждём подтверждения от банка-эквайера.",
)
CLOSING = "Спасибо за обращение! Если будут вопросы, пишите."

MOSCOW = ZoneInfo("Europe/Moscow")

Step = tuple[timedelta, Callable[[], object]]


@dataclass
class Cast:
    """What the stories need from the database: the store, its people, teams and macros."""

    store: Store
    agents: dict[str, Agent]
    teams: dict[str, Team]
    customers: list[Customer]
    macros: dict[str, Macro]


@dataclass
class _State:
    conversation: Conversation | None = None
    agent: Agent | None = None


def _fill(text: str, item: Planned, customer: Customer, agent: Agent | None) -> str:
    values = {**item.variables, "first": customer.first_name, "agent": agent.first_name if agent else ""}
    return text.format(**values)


def _turns(item: Planned, rng: random.Random) -> list[tuple[str, str]]:
    """The story cut (or extended) to end in the planned status."""
    turns = list(item.story.turns)
    if item.status == "new":
        return turns[:1]
    if item.status == "open":
        replies = [i for i, (kind, _) in enumerate(turns) if kind == "c" and i > 0]
        if replies and rng.random() < 0.6:
            return turns[: rng.choice(replies) + 1]
        last_agent = max(i for i, (kind, _) in enumerate(turns) if kind in ("a", "m"))
        return [*turns[: last_agent + 1], ("c", rng.choice(FOLLOW_UPS))]
    if item.status in ("pending", "on_hold"):
        last_agent = max(i for i, (kind, _) in enumerate(turns) if kind in ("a", "m"))
        return turns[: last_agent + 1]
    return turns


def _delay(item: Planned, kind: str, rng: random.Random) -> timedelta:
    slow = item.channel in ("email", "webform", "api")
    if kind == "c":
        return timedelta(minutes=rng.uniform(3, 600 if slow else 90))
    if kind == "n":
        return timedelta(minutes=rng.uniform(1, 20))
    return timedelta(minutes=rng.uniform(20, 240) if slow else rng.uniform(1, 15))


def build_steps(item: Planned, cast: Cast, rng: random.Random) -> list[Step]:
    """Every action of the conversation with the pause before it."""
    store = cast.store
    customer = cast.customers[item.customer]
    state = _State(agent=cast.agents[item.agent])
    by_customer = Actor.customer(customer.display_name)
    lead = cast.agents["lead"]
    steps: list[Step] = []

    def conv() -> Conversation:
        assert state.conversation is not None
        return state.conversation

    def agent_actor() -> Actor:
        assert state.agent is not None
        return Actor.of_agent(state.agent)

    def first_message(text: str) -> Callable[[], None]:
        def run() -> None:
            state.conversation = actions.open_conversation(
                store=store,
                customer=customer,
                channel=item.channel,
                by=by_customer,
                subject=_fill(item.story.subject, item, customer, None),
            )
            actions.receive_message(
                store=store,
                customer=customer,
                channel=item.channel,
                text=text,
                by=by_customer,
                conversation=state.conversation,
                external_id=f"demo-{item.index}-1" if item.channel == "api" else "",
            )

        return run

    def customer_says(text: str) -> Callable[[], object]:
        return lambda: actions.receive_message(
            store=store,
            customer=customer,
            channel=item.channel,
            text=text,
            by=by_customer,
            conversation=conv(),
        )

    def triage() -> None:
        by = agent_actor()
        actions.set_category(conversation=conv(), category=item.story.category, by=by)
        team = TEAM_RETURNS if item.story.category in ("return", "payment") else TEAM_L1
        actions.set_team(conversation=conv(), team=cast.teams[team], by=by)
        tags = list(item.story.tags) + (["vip"] if item.customer in VIP_CUSTOMERS else [])
        if tags:
            actions.add_tags(conversation=conv(), names=tags, by=by)
        priority = item.story.priority
        if item.customer in VIP_CUSTOMERS and priority == "normal":
            priority = "high"
        elif item.story.category == "other":
            priority = "low"
        if priority != "normal":
            actions.set_priority(conversation=conv(), priority=priority, by=by)

    def agent_says(kind: str, text: str) -> Callable[[], None]:
        def run() -> None:
            by = agent_actor()
            if kind == "m":
                actions.apply_macro(conversation=conv(), macro=cast.macros[text], by=by)
            elif kind == "n":
                actions.add_note(conversation=conv(), text=_fill(text, item, customer, state.agent), by=by)
            else:
                actions.reply(conversation=conv(), text=_fill(text, item, customer, state.agent), by=by)
            state.conversation = Conversation.objects.get(pk=conv().pk)

        return run

    def escalate() -> None:
        target = cast.agents[item.escalate_to]
        actions.escalate(
            conversation=conv(),
            by=agent_actor(),
            reason=item.story.escalate,
            to_agent=target,
            to_team=cast.teams[TEAM_L2],
        )
        state.agent = target

    def transfer() -> None:
        target = cast.agents["elena" if item.agent != "elena" else "olga"]
        actions.transfer(
            conversation=conv(),
            by=Actor.of_agent(lead),
            to_agent=target,
            reason="Перераспределение нагрузки: у коллеги больше свободных слотов.",
        )
        state.agent = target

    def duplicate() -> None:
        copy = actions.open_conversation(
            store=store,
            customer=customer,
            channel=item.duplicate_channel,
            by=by_customer,
            subject=conv().subject,
        )
        actions.receive_message(
            store=store,
            customer=customer,
            channel=item.duplicate_channel,
            text="Продублирую вопрос сюда, вдруг в другом канале не увидели.",
            by=by_customer,
            conversation=copy,
        )
        actions.merge_conversations(source=copy, target=conv(), by=agent_actor())

    turns = _turns(item, rng)
    kinds = [kind for kind, _ in turns]
    escalate_after = -1
    if item.escalate_to:
        escalate_after = (
            kinds.index("n") if "n" in kinds else next(i for i, k in enumerate(kinds) if k in "am")
        )
    steps.append((timedelta(0), first_message(_fill(turns[0][1], item, customer, None))))
    if item.duplicate_channel:
        steps.append((timedelta(minutes=rng.uniform(5, 30)), duplicate))
    agent_turns = 0
    for position, (kind, text) in enumerate(turns[1:], start=1):
        if kind == "c":
            steps.append((_delay(item, "c", rng), customer_says(_fill(text, item, customer, None))))
            continue
        if agent_turns == 0:
            steps.append((_delay(item, "a", rng), triage))
        steps.append(
            (_delay(item, kind, rng) if agent_turns else timedelta(seconds=40), agent_says(kind, text))
        )
        agent_turns += 1
        if agent_turns == 1 and item.transfer:
            steps.append((timedelta(minutes=rng.uniform(5, 60)), transfer))
        if item.escalate_to and position == escalate_after:
            steps.append((timedelta(minutes=rng.uniform(2, 15)), escalate))
    steps += _ending(item, cast, rng, conv, agent_actor)
    return steps


def _ending(
    item: Planned,
    cast: Cast,
    rng: random.Random,
    conv: Callable[[], Conversation],
    agent_actor: Callable[[], Actor],
) -> list[Step]:
    status = item.status
    if status == "pending":
        return [(timedelta(seconds=30), lambda: _set(conv(), "pending", agent_actor()))]
    if status == "on_hold":
        note = rng.choice(ON_HOLD_NOTES)
        return [
            (
                timedelta(minutes=2),
                lambda: actions.add_note(conversation=conv(), text=note, by=agent_actor()),
            ),
            (timedelta(seconds=20), lambda: _set(conv(), "on_hold", agent_actor())),
        ]
    if status not in ("solved", "closed"):
        return []
    if rng.random() < 0.5:
        macro = cast.macros["Закрыть: решено"]
        steps: list[Step] = [
            (
                timedelta(minutes=rng.uniform(5, 120)),
                lambda: actions.apply_macro(conversation=_fresh(conv()), macro=macro, by=agent_actor()),
            )
        ]
    else:
        steps = [(timedelta(minutes=rng.uniform(5, 120)), lambda: _set(conv(), "solved", agent_actor()))]
    if status == "closed":
        steps.append(
            (
                timedelta(days=rng.uniform(2, 4)),
                lambda: _set(conv(), "closed", Actor.system("Автозакрытие")),
            )
        )
    return steps


def _fresh(conversation: Conversation) -> Conversation:
    return Conversation.objects.get(pk=conversation.pk)


def _set(conversation: Conversation, status: str, by: Actor) -> None:
    actions.set_status(conversation=_fresh(conversation), status=status, by=by)


def _daytime(moment: datetime, now: datetime) -> datetime:
    """Customers write between 9:00 and 22:00 Moscow time; keep the date, squeeze the hour."""
    local = moment.astimezone(MOSCOW)
    shifted = local.replace(hour=9 + local.hour * 13 // 24)
    return shifted if shifted < now - timedelta(minutes=10) else moment


def play(item: Planned, cast: Cast, *, now: datetime, rng: random.Random) -> None:
    """Run the steps at their moments; a recent conversation's story is squeezed to end before now."""
    steps = build_steps(item, cast, rng)
    start = _daytime(now - item.age, now)
    total = sum((delay for delay, _ in steps), timedelta(0))
    room = now - start - timedelta(minutes=2)
    scale = min(1.0, room / total) if total > timedelta(0) else 1.0
    clock = Clock(start)
    with frozen_at(clock):
        for delay, run in steps:
            clock.advance(delay * scale)
            run()
