"""Routing new conversations to online agents: the pure choice and the modes."""

from __future__ import annotations

import pytest

from tests.conversations._routing_helpers import assignee_name as _assignee
from tests.conversations._routing_helpers import online as _online
from tests.conversations._routing_helpers import set_mode as _mode
from tests.factories import make_conversation
from zabota.conversations import actions
from zabota.conversations.models import EventType
from zabota.conversations.routing import Candidate, choose, route
from zabota.stores.actors import Actor

# the pure choice


C = Candidate


@pytest.mark.parametrize(
    ("candidates", "kwargs", "expected"),
    [
        ([C(1, "l1", 2, 5), C(2, "l1", 1, 5)], {}, 2),
        ([C(1, "l1", 1, 2), C(2, "l1", 2, 10)], {}, 2),  # ratio 0.5 vs 0.2
        ([C(1, "l1", 1, 5), C(2, "l1", 1, 5)], {}, 1),  # tie: lower id
        ([C(1, "l1", 3, 3), C(2, "l1", 0, 0)], {}, None),  # nobody has room
        ([C(1, "l1", 0, 5, ("delivery",)), C(2, "l1", 4, 5)], {"category": "order"}, 2),
        ([C(1, "l1", 0, 5, ("order",)), C(2, "l1", 4, 5)], {"category": "order"}, 1),
        ([C(1, "l1", 4, 5), C(2, "l2", 0, 5)], {}, 1),  # L1 first
        ([C(1, "l1", 5, 5), C(2, "l2", 0, 5)], {}, 2),  # overflow to L2
        ([C(1, "l1", 4, 5), C(2, "l2", 0, 5)], {"l1_first": False}, 2),
        ([C(1, "l1", 0, 5), C(2, "l2", 4, 5)], {"tier": "l2"}, 2),
        ([C(1, "l1", 0, 5)], {"tier": "l2"}, None),
        ([C(1, "l1", 0, 5), C(2, "l2", 4, 5)], {"sticky_agent_id": 2}, 2),
        ([C(1, "l1", 0, 5), C(2, "l1", 5, 5)], {"sticky_agent_id": 2}, 1),  # sticky owner full
        (
            [C(3, "l1", 0, 5), C(1, "l1", 0, 5), C(2, "l1", 0, 5)],
            {"mode": "round_robin", "turn": lambda: 7},
            2,
        ),
    ],
    ids=[
        "least-load",
        "least-ratio",
        "tie-lower-id",
        "no-room",
        "skill-missing",
        "skill-match",
        "l1-first",
        "l2-overflow",
        "l1-first-off",
        "l2-only-l2",
        "l2-without-l2-agents",
        "sticky",
        "sticky-full",
        "round-robin-turn",
    ],
)
def test_choose(candidates, kwargs, expected):
    options = {"category": "other", "tier": "l1", "mode": "least_loaded", **kwargs}

    assert choose(candidates, **options) == expected


# modes on the database


def test_least_loaded_sends_a_new_chat_to_the_agent_with_most_room(store):
    _mode(store)
    busy = _online(store, "Занятая")
    _online(store, "Свободный")
    for _ in range(2):
        actions.assign(conversation=make_conversation(store), to=busy, by=Actor.system())

    conversation = make_conversation(store)

    assert _assignee(conversation) == "Свободный"


def test_round_robin_takes_agents_in_turn(store):
    _mode(store, "round_robin")
    for name in ("А", "Б", "В"):
        _online(store, name)

    names = [_assignee(make_conversation(store)) for _ in range(4)]

    assert sorted(names[:3]) == ["А", "Б", "В"]
    assert names[3] == names[0]


def test_manual_mode_assigns_nothing_but_route_now_still_works(store, agent):
    _mode(store, "manual")
    _online(store, "Дежурный")

    conversation = make_conversation(store)
    unassigned = _assignee(conversation)
    routed = route(conversation, Actor.of_agent(agent))

    assert (unassigned, routed.display_name if routed else None) == (None, "Дежурный")
    assert _assignee(conversation) == "Дежурный"


def test_default_mode_is_least_loaded(store):
    _online(store, "Дежурный")

    assert _assignee(make_conversation(store)) == "Дежурный"


def test_routing_records_an_assignment_by_the_system(store):
    _online(store, "Дежурный")

    conversation = make_conversation(store)

    event = conversation.events.get(type=EventType.ASSIGNED)
    assert (event.actor_kind, event.payload["to_name"]) == ("system", "Дежурный")
