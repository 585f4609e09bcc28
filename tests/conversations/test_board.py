"""The live operations board: numbers per channel, breaches, agents' load, scope and query bound."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_agent, make_conversation, make_team
from zabota.conversations import actions
from zabota.conversations.models import Conversation, Deadline
from zabota.conversations.views_board import age_label, board_context, start_of_today
from zabota.stores.actors import Actor
from zabota.stores.models import Store

SYSTEM = Actor.system()


def _deadline(
    conversation: Conversation,
    *,
    state: str,
    kind: str = "first_response",
    seq: int = 0,
    due_at: datetime | None = None,
    met_at: datetime | None = None,
    breached_at: datetime | None = None,
) -> Deadline:
    now = timezone.now()
    return Deadline.objects.create(
        store_id=conversation.store_id,
        conversation=conversation,
        kind=kind,
        seq=seq,
        state=state,
        target_minutes=60,
        started_at=now - timedelta(hours=2),
        due_at=due_at or now - timedelta(hours=1),
        met_at=met_at,
        breached_at=breached_at,
        computed_at=now,
    )


@pytest.fixture
def floor(store, agent):
    """chat: one unassigned and one assigned waiting, one solved; email: one unassigned; deadlines."""
    now = timezone.now()
    unassigned_chat = make_conversation(store, channel="chat", text="Где заказ?")
    assigned_chat = make_conversation(store, channel="chat")
    actions.assign(conversation=assigned_chat, to=agent, by=SYSTEM)
    solved_chat = make_conversation(store, channel="chat")
    actions.set_status(conversation=solved_chat, status="solved", by=SYSTEM)
    email = make_conversation(store, channel="email")
    Conversation.objects.filter(pk=unassigned_chat.pk).update(waiting_since=now - timedelta(minutes=42))
    _deadline(assigned_chat, state="met", met_at=now)
    _deadline(unassigned_chat, state="breached", due_at=now - timedelta(minutes=10), breached_at=now)
    _deadline(solved_chat, state="met", met_at=now - timedelta(days=2))  # another day
    _deadline(email, state="met", kind="resolution", met_at=now, breached_at=now - timedelta(minutes=1))
    return {"unassigned_chat": unassigned_chat, "assigned_chat": assigned_chat, "email": email}


def _channels(context: dict) -> dict[str, tuple]:
    return {
        row.channel: (row.queue, row.waiting, row.decided_today, row.within_target_today, len(row.breaches))
        for row in context["channels"]
    }


def test_board_numbers_per_channel(floor, lead):
    context = board_context(lead)

    assert _channels(context) == {"chat": (1, 2, 2, 1, 1), "email": (1, 1, 1, 0, 0)}
    chat = next(r for r in context["channels"] if r.channel == "chat")
    assert (chat.within_target_percent, chat.oldest_waiting) == (50, "42 min")
    assert [d.conversation_id for d in chat.breaches] == [floor["unassigned_chat"].pk]


def test_board_agents_with_presence_and_load(floor, store, agent, lead):
    agent.presence = "online"
    agent.channel_capacity = {"chat": 3}
    agent.save()

    rows = board_context(lead)["agent_rows"]

    assert [(r.agent.display_name, r.agent.presence, r.total, r.loads) for r in rows] == [
        ("Ольга Агентова", "online", 1, [("Chat", 1, 3)]),
        ("Лидия Старшая", "offline", 0, []),
    ]
    assert board_context(lead)["online"] == 1


def test_an_agent_in_teams_sees_those_teams_and_teamless_conversations(floor, store, agent, lead):
    ours, theirs = make_team(store, "Наша"), make_team(store, "Чужая")
    agent.teams.add(ours)
    # set directly: a team change through the action recomputes the service targets the fixture wrote
    Conversation.objects.filter(pk=floor["unassigned_chat"].pk).update(team=theirs)
    Conversation.objects.filter(pk=floor["email"].pk).update(team=ours)

    mine, everything = board_context(agent), board_context(lead)

    assert (mine["whole_store"], everything["whole_store"]) == (False, True)
    assert _channels(mine) == {"chat": (0, 1, 1, 1, 0), "email": (1, 1, 1, 0, 0)}
    assert _channels(everything) == {"chat": (1, 2, 2, 1, 1), "email": (1, 1, 1, 0, 0)}


def test_another_stores_data_never_shows(floor, other_store):
    stranger = make_agent(other_store, role="admin")
    make_conversation(other_store)

    context = board_context(stranger)

    assert _channels(context) == {"chat": (1, 1, 0, 0, 0)}
    assert [r.agent.pk for r in context["agent_rows"]] == [stranger.pk]


def _queries(agent, **kwargs) -> int:
    with CaptureQueriesContext(connection) as queries:
        board_context(agent, **kwargs)
    return len(queries.captured_queries)


def test_board_query_count_does_not_grow_with_data(floor, store, agent, lead):
    small = _queries(lead), _queries(agent)
    now = timezone.now()
    for n in range(15):
        conversation = make_conversation(store, channel=("chat", "email", "telegram")[n % 3])
        _deadline(conversation, state="breached", breached_at=now)
        make_agent(store, presence="online")

    large = _queries(lead), _queries(agent)

    assert small == large == (5, 6)


def test_board_page_and_its_live_partial(client, floor, lead):
    client.force_login(lead.user)
    url = reverse("board")

    page = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        partial = client.get(url, headers={"HX-Request": "true", "X-Zabota-Poll": "1"})

    body = page.content.decode()
    assert (page.status_code, partial.status_code) == (200, 200)
    assert 'hx-trigger="every 10s"' in body
    assert "<html" in body
    assert "<html" not in partial.content.decode()
    assert f'href="{reverse("conversation", args=[floor["unassigned_chat"].number])}"' in body
    # session, user, agent, store options aside: the board's own five
    assert len(queries.captured_queries) <= 9


def test_board_needs_a_signed_in_agent(client):
    response = client.get(reverse("board"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("seconds", "label"),
    [(5, "5 s"), (125, "2 min"), (3 * 3600 + 1, "3 h"), (2 * 86400 + 5, "2 d")],
    ids=["seconds", "minutes", "hours", "days"],
)
def test_age_label(seconds, label):
    now = timezone.now()

    assert age_label(now - timedelta(seconds=seconds), now) == label


def test_today_starts_at_midnight_in_the_stores_time_zone():
    store = Store(timezone="Asia/Vladivostok")
    now = datetime.fromisoformat("2026-03-02T15:30:00+00:00")  # 01:30 on 3 March in Vladivostok

    assert start_of_today(store, now).isoformat() == "2026-03-03T00:00:00+10:00"
