"""Queue alerts: unassigned too long, chats waiting for a first answer, ping-pong transfers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_agent, make_conversation, make_team
from zabota.conversations.models import Conversation
from zabota.conversations.queue_alerts import LOOKBACK, check_queues, check_store_queue, queue_alerts_task
from zabota.notify.models import Notification
from zabota.stores.models import Agent


def sent(kind: str | None = None) -> list[tuple[int, str, str]]:
    rows = Notification.objects.order_by("agent_id", "dedupe_key")
    if kind is not None:
        rows = rows.filter(kind=kind)
    return list(rows.values_list("agent_id", "kind", "dedupe_key"))


@pytest.fixture(autouse=True)
def _english_store(db, store):
    # Alerts are written in the store's language; these tests read the English source strings.
    store.locale = "en"
    store.save(update_fields=["locale"])


@pytest.fixture
def team(store):
    return make_team(store, "Возвраты")


def test_an_unassigned_conversation_alerts_the_team_leads_once(store, team, lead):
    lead.teams.add(team)
    make_agent(store, role="lead", name="Лид другой команды")
    conversation = make_conversation(store, channel="email")
    Conversation.objects.filter(pk=conversation.pk).update(team=team)
    opened = conversation.created_at

    assert check_queues(opened + timedelta(minutes=9, seconds=59)).unassigned == 0
    result = check_queues(opened + timedelta(minutes=10))
    again = check_queues(opened + timedelta(minutes=30))

    assert (result.unassigned, result.notified, again.unassigned, again.notified) == (1, 1, 0, 0)
    assert sent() == [(lead.pk, "queue.unassigned", f"queue:unassigned:{conversation.pk}")]
    note = Notification.objects.get()
    assert note.title == f"#{conversation.number} has had no owner for 10 min"
    assert note.url == f"/c/{conversation.number}/"


def test_assigned_or_solved_conversations_do_not_alert(store, agent, lead):
    owned = make_conversation(store, channel="email")
    solved = make_conversation(store, channel="email")
    Conversation.objects.filter(pk=owned.pk).update(assignee=agent)
    Conversation.objects.filter(pk=solved.pk).update(status="solved")

    result = check_queues(owned.created_at + timedelta(hours=1))

    assert (result.unassigned, sent()) == (0, [])


def test_a_waiting_chat_alerts_the_first_line_then_the_leads(store, agent, lead, team):
    lead.teams.add(team)
    agent.teams.add(team)
    chat = make_conversation(store, channel="chat")
    Conversation.objects.filter(pk=chat.pk).update(team=team, assignee=agent)
    chat.refresh_from_db()
    waiting = chat.waiting_since
    assert waiting is not None

    assert check_queues(waiting + timedelta(seconds=59)).chat_waiting == 0
    first = check_queues(waiting + timedelta(seconds=60))
    assert sent() == [(agent.pk, "queue.chat_wait", f"queue:chat_wait:{chat.pk}")]
    later = check_queues(waiting + timedelta(seconds=300))

    assert (first.chat_waiting, first.chat_escalated) == (1, 0)
    assert (later.chat_waiting, later.chat_escalated) == (0, 1)
    assert sent("queue.chat_escalate") == [(lead.pk, "queue.chat_escalate", f"queue:chat_escalate:{chat.pk}")]
    assert Notification.objects.get(kind="queue.chat_escalate").severity == "critical"


def test_an_answered_chat_does_not_alert(store, agent):
    chat = make_conversation(store, channel="chat")
    Conversation.objects.filter(pk=chat.pk).update(assignee=agent, first_response_at=chat.created_at)

    result = check_queues(chat.created_at + timedelta(minutes=10))

    assert (result.chat_waiting, result.chat_escalated) == (0, 0)


def test_unassigned_waiting_chat_goes_to_online_agents(store, lead):
    online = make_agent(store, name="На связи")
    Agent.objects.filter(pk=online.pk).update(presence="online")
    chat = make_conversation(store, channel="chat")

    check_queues(chat.waiting_since + timedelta(seconds=90))

    assert sent("queue.chat_wait") == [(online.pk, "queue.chat_wait", f"queue:chat_wait:{chat.pk}")]


def test_ping_pong_above_the_limit_alerts_the_leads_once(store, agent, lead):
    conversation = make_conversation(store, channel="email")
    Conversation.objects.filter(pk=conversation.pk).update(assignee=agent, transfer_count=2)
    now = conversation.created_at + timedelta(minutes=1)

    assert check_queues(now).transfers == 0
    Conversation.objects.filter(pk=conversation.pk).update(transfer_count=3)
    first, second = check_queues(now), check_queues(now + timedelta(minutes=1))

    assert (first.transfers, second.transfers) == (1, 0)
    assert sent() == [(lead.pk, "queue.transfers", f"queue:transfers:{conversation.pk}")]
    assert Notification.objects.get().title == f"#{conversation.number} was transferred 3 times"


def test_thresholds_come_from_the_store_options_and_zero_switches_an_alert_off(store, agent, lead):
    store.options = {"queue_alerts": {"unassigned_minutes": 0, "chat_wait_seconds": 20, "max_transfers": 5}}
    store.save(update_fields=["options"])
    chat = make_conversation(store, channel="chat")
    Conversation.objects.filter(pk=chat.pk).update(transfer_count=4)

    result = check_queues(chat.waiting_since + timedelta(hours=2))

    # unassigned: off; chat: 20 s (escalation keeps its default); transfers: 4 is not above 5
    assert (result.unassigned, result.chat_waiting, result.chat_escalated, result.transfers) == (0, 1, 1, 0)


@pytest.mark.parametrize(
    "options",
    [{"queue_alerts": "nonsense"}, {"queue_alerts": {"unassigned_minutes": "ten", "max_transfers": -1}}],
    ids=["not-a-dict", "bad-values"],
)
def test_bad_options_read_as_the_defaults(store, lead, options):
    store.options = options
    store.save(update_fields=["options"])
    conversation = make_conversation(store, channel="email")
    Conversation.objects.filter(pk=conversation.pk).update(transfer_count=3)

    result = check_queues(conversation.created_at + timedelta(minutes=10))

    assert (result.unassigned, result.transfers) == (1, 1)


def test_conversations_past_the_lookback_are_not_looked_at(store, lead):
    conversation = make_conversation(store, channel="email")

    result = check_queues(conversation.created_at + timedelta(minutes=10) + LOOKBACK + timedelta(seconds=1))

    assert (result.unassigned, sent()) == (0, [])


def test_each_store_alerts_only_its_own_people(store, other_store, lead):
    theirs = make_agent(other_store, role="lead", name="Их лид")
    mine = make_conversation(store, channel="email")
    other = make_conversation(other_store, channel="email")

    check_queues(max(mine.created_at, other.created_at) + timedelta(minutes=11))

    assert sent() == sorted(
        [
            (lead.pk, "queue.unassigned", f"queue:unassigned:{mine.pk}"),
            (theirs.pk, "queue.unassigned", f"queue:unassigned:{other.pk}"),
        ]
    )


def test_a_store_with_nobody_to_tell_sends_nothing(store):
    conversation = make_conversation(store, channel="email")

    result = check_store_queue(store, now=conversation.created_at + timedelta(hours=1))

    assert (result.unassigned, result.notified) == (0, 0)


def test_the_task_checks_every_store(store, lead):
    make_conversation(store, channel="email")

    outcome = queue_alerts_task.call()

    assert outcome["stores"] == 1
    assert outcome["unassigned"] == 0  # just opened: not ten minutes old yet
