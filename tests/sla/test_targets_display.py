"""Time left on the conversation page, in the inbox (with the “due soonest” sort) and in the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.conftest import ApiClient
from tests.factories import make_conversation, make_token
from zabota.conversations import actions
from zabota.conversations.models import Deadline
from zabota.conversations.targets import describe
from zabota.sla.actions import ensure_default_policies
from zabota.stores.actors import Actor


@pytest.fixture
def defaults(store):
    return ensure_default_policies(store=store)


NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _deadline(state="active", **kwargs):
    now = NOW
    values = {
        "kind": "first_response",
        "seq": 0,
        "state": state,
        "target_minutes": 60,
        "started_at": now - timedelta(minutes=30),
        "due_at": now + timedelta(minutes=30),
        "warn_at": now + timedelta(minutes=15),
    }
    values.update(kwargs)
    return Deadline(**values)


@pytest.mark.parametrize(
    ("deadline", "colour", "text"),
    [
        (_deadline(), "ok", "29 min left"),
        (_deadline(warn_at=NOW - timedelta(minutes=1)), "warn", "29 min left"),
        (_deadline("warned"), "warn", "29 min left"),
        (_deadline("breached", due_at=NOW - timedelta(minutes=90)), "late", "overdue by 1 h 30 min"),
        (_deadline(due_at=NOW - timedelta(minutes=5)), "late", "overdue by 5 min"),
        (_deadline("paused", due_at=None, remaining_minutes=40), "paused", "paused, 40 min left"),
        (_deadline("met", met_at=NOW), "met", "met"),
        (_deadline("met", met_at=NOW, breached_at=NOW), "late", "met late"),
    ],
    ids=["active", "past-warning", "warned", "breached", "overdue-unswept", "paused", "met", "met-late"],
)
def test_colours_and_time_left(deadline, colour, text):
    shown = describe(deadline, NOW + timedelta(seconds=30))
    assert (shown["colour"], shown["text"]) == (colour, text)


def test_conversation_page_shows_the_targets_panel(client, store, agent, defaults):
    conversation = make_conversation(store, channel="chat")
    client.force_login(agent.user)
    page = client.get(f"/c/{conversation.number}/").content.decode()
    assert 'id="targets"' in page
    assert "First response" in page
    assert "Policy: Chats" in page
    panel = client.get(f"/c/{conversation.number}/targets/")
    assert panel.status_code == 200
    assert 'hx-trigger="every 30s"' in panel.content.decode()


def test_targets_panel_of_another_store_is_404(client, store, other_store, agent):
    theirs = make_conversation(other_store, channel="chat")
    client.force_login(agent.user)
    mine_count = client.get(f"/c/{theirs.number}/targets/")
    assert mine_count.status_code == 404


def test_inbox_shows_the_nearest_target_and_sorts_by_due(client, store, agent, defaults):
    email = make_conversation(store, channel="email")
    chat = make_conversation(store, channel="chat")
    untargeted = make_conversation(store, channel="phone")
    actions.assign(
        conversation=untargeted, to=agent, by=Actor.of_agent(agent)
    )  # the call's queue wait is met
    client.force_login(agent.user)
    response = client.get("/inbox/", {"view": "open", "sort": "due"})
    rows = response.context["page"].object_list
    assert [c.number for c in rows] == [chat.number, email.number, untargeted.number]
    assert rows[0].target["deadline"].kind == "first_response"
    assert rows[0].target["colour"] == "ok"
    assert rows[2].target is None
    assert "sla sla-ok" in response.content.decode()


def test_api_lists_a_conversations_targets(settings, store, other_store, defaults):
    settings.ROOT_URLCONF = "tests.api.urls"
    conversation = make_conversation(store, channel="chat")
    api = ApiClient(make_token(store))
    response = api.get(f"/conversations/{conversation.pk}/targets")
    assert response.status_code == 200
    body = response.json()
    assert [(t["kind"], t["seq"], t["state"], t["policy_name"]) for t in body] == [
        ("first_response", 0, "active", "Chats"),
        ("resolution", 0, "active", "Chats"),
    ]
    theirs = make_conversation(other_store, channel="chat")
    assert api.get(f"/conversations/{theirs.pk}/targets").status_code == 404
    reader = ApiClient(make_token(store, scopes=("customers:read",)))
    assert reader.get(f"/conversations/{conversation.pk}/targets").status_code == 403
