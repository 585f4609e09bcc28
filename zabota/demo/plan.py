"""Which conversations the demo has: pure and deterministic (a fixed random seed, ages relative to now).

Kept apart from the database code so the shape of the demo (how many of each status, channel and
category) can be read and changed in one place.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from zabota.demo.data.people import CUSTOMERS, L1_AGENTS, L2_AGENTS
from zabota.demo.data.stories import CHANNELS_BY_CATEGORY, STORIES, Story

SEED = 20250301
CONVERSATIONS = 200
ALL_CHANNELS = ("email", "chat", "webform", "telegram", "vk", "whatsapp", "phone", "api")
VIP_CUSTOMERS = (0, 4, 12, 26)

# (how many, youngest, oldest, statuses and their weights): a fresh backlog and a long solved tail.
_AGE_BUCKETS: tuple[tuple[int, timedelta, timedelta, dict[str, int]], ...] = (
    (
        26,
        timedelta(minutes=20),
        timedelta(hours=22),
        {"new": 40, "open": 30, "pending": 15, "on_hold": 15},
    ),
    (
        34,
        timedelta(days=1),
        timedelta(days=5),
        {"open": 20, "pending": 30, "on_hold": 10, "solved": 40},
    ),
    (
        140,
        timedelta(days=5),
        timedelta(days=90),
        {"solved": 30, "closed": 70},
    ),
)


@dataclass(frozen=True)
class Planned:
    index: int
    story: Story
    customer: int
    channel: str
    age: timedelta
    status: str
    agent: str
    escalate_to: str
    transfer: bool
    duplicate_channel: str
    variables: dict[str, str]


def _customers_for(story: Story) -> list[int]:
    if not story.gender:
        return list(range(len(CUSTOMERS)))
    return [i for i, c in enumerate(CUSTOMERS) if (c.first_name[-1] in "ая") == (story.gender == "f")]


def _variables(rng: random.Random) -> dict[str, str]:
    return {
        "order": f"ПР-{rng.randint(100000, 199999)}",
        "track": f"1{rng.randint(100000000, 999999999)}",
        "amount": f"{rng.randint(12, 190) * 100:,}".replace(",", "\u00a0"),
        "size": str(rng.choice((37, 38, 39, 40, 41, 42, 43, 44))),
    }


def plan(*, count: int = CONVERSATIONS, seed: int = SEED) -> list[Planned]:
    """The demo's conversations, oldest first; the same every run."""
    rng = random.Random(seed)
    ages: list[tuple[timedelta, str]] = []
    for size, youngest, oldest, weights in _AGE_BUCKETS:
        share = round(size * count / CONVERSATIONS)
        for _ in range(share):
            seconds = rng.uniform(youngest.total_seconds(), oldest.total_seconds())
            status = rng.choices(list(weights), weights=list(weights.values()))[0]
            ages.append((timedelta(seconds=seconds), status))
    ages.sort(key=lambda item: item[0], reverse=True)
    stories = [STORIES[i % len(STORIES)] for i in range(len(ages))]
    rng.shuffle(stories)
    planned: list[Planned] = []
    for index, ((age, status), story) in enumerate(zip(ages, stories, strict=True)):
        channels = CHANNELS_BY_CATEGORY[story.category]
        channel = ALL_CHANNELS[index % len(ALL_CHANNELS)] if index < 16 else rng.choice(channels)
        worked = status != "new"
        agent = "elena" if story.category in ("return", "payment") and rng.random() < 0.5 else ""
        planned.append(
            Planned(
                index=index,
                story=story,
                customer=rng.choice(_customers_for(story)),
                channel=channel,
                age=age,
                status=status,
                agent=agent or rng.choice(L1_AGENTS),
                escalate_to=rng.choice(L2_AGENTS) if story.escalate and worked else "",
                transfer=worked and not story.escalate and rng.random() < 0.08,
                duplicate_channel=(
                    rng.choice([c for c in ("email", "chat", "telegram") if c != channel])
                    if worked and status in ("solved", "closed") and index % 23 == 5
                    else ""
                ),
                variables=_variables(rng),
            )
        )
    return planned
