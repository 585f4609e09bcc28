"""Agent presence (set, heartbeat, ageing job), the routing settings page and agents' routing fields."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_agent
from zabota.core.errors import InvalidInput, PermissionDenied
from zabota.core.scheduler import JOBS
from zabota.stores.actions import update_agent
from zabota.stores.actors import Actor
from zabota.stores.middleware import POLL_HEADER
from zabota.stores.models import Agent, Presence
from zabota.stores.presence import age_presence, heartbeat, set_presence
from zabota.stores.tasks import age_presence_task


def _state(agent: Agent) -> tuple[str, bool]:
    agent.refresh_from_db()
    return agent.presence, agent.presence_auto


# set_presence


def test_an_agent_goes_online_and_everyone_is_told_after_commit(
    agent, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        set_presence(agent=agent, presence="online", by=Actor.of_agent(agent))

    assert _state(agent) == ("online", False)
    assert agent.last_seen_at is not None
    assert [(e.event, e.payload) for e in published] == [
        ("agent.presence", {"agent_id": agent.pk, "presence": "online", "automatic": False})
    ]


def test_unknown_presence_is_refused_and_nothing_changes(agent):
    with pytest.raises(InvalidInput) as error:
        set_presence(agent=agent, presence="busy", by=Actor.of_agent(agent))

    assert error.value.field == "presence"
    assert _state(agent) == ("offline", False)


def test_an_agent_cannot_switch_a_colleague_but_an_admin_can(store, agent, lead, admin):
    with pytest.raises(PermissionDenied):
        set_presence(agent=agent, presence="online", by=Actor.of_agent(lead))

    set_presence(agent=agent, presence="away", by=Actor.of_agent(admin))

    assert _state(agent) == ("away", False)


def test_another_stores_admin_cannot_switch_presence(agent, other_store):
    stranger = make_agent(other_store, role="admin")

    with pytest.raises(PermissionDenied):
        set_presence(agent=agent, presence="online", by=Actor.of_agent(stranger))

    assert _state(agent) == ("offline", False)


# heartbeat and ageing


def test_heartbeat_writes_at_most_once_a_minute(agent):
    now = timezone.now()

    written = [
        heartbeat(agent=agent, now=now),
        heartbeat(agent=agent, now=now + timedelta(seconds=59)),
        heartbeat(agent=agent, now=now + timedelta(seconds=61)),
    ]

    assert written == [True, False, True]
    agent.refresh_from_db()
    assert agent.last_seen_at == now + timedelta(seconds=61)


@pytest.mark.parametrize(
    ("presence", "silent_minutes", "expected"),
    [
        ("online", 5, ("online", False)),
        ("online", 10, ("away", True)),
        ("online", 60, ("offline", True)),
        ("away", 30, ("away", False)),
        ("away", 61, ("offline", True)),
        ("offline", 600, ("offline", False)),
    ],
    ids=["online-recent", "online-to-away", "online-to-offline", "away-stays", "away-to-offline", "offline"],
)
def test_age_presence_moves_silent_agents(store, presence, silent_minutes, expected):
    now = timezone.now()
    agent = make_agent(store, presence=presence, last_seen_at=now - timedelta(minutes=silent_minutes))

    age_presence(now=now)

    assert _state(agent) == expected


def test_age_presence_reads_the_stores_thresholds_and_is_idempotent(store, published):
    store.options = {"presence": {"away_after_minutes": 2, "offline_after_minutes": 3}}
    store.save()
    now = timezone.now()
    agent = make_agent(store, presence="online", last_seen_at=now - timedelta(minutes=2, seconds=5))

    changed = [age_presence(now=now), age_presence(now=now)]

    assert changed == [1, 0]
    assert _state(agent) == ("away", True)


def test_a_heartbeat_brings_an_auto_away_agent_back_but_not_a_chosen_away(store):
    now = timezone.now()
    silent = make_agent(store, presence="online", last_seen_at=now - timedelta(minutes=15))
    chose_away = make_agent(store, presence="away", last_seen_at=now - timedelta(minutes=15))
    age_presence(now=now)
    silent.refresh_from_db()
    chose_away.refresh_from_db()

    heartbeat(agent=silent, now=now)
    heartbeat(agent=chose_away, now=now)

    assert (_state(silent), _state(chose_away)) == (("online", False), ("away", False))


def test_the_ageing_job_is_registered_every_minute():
    job = JOBS["presence.auto_away"]

    assert (job.task, job.every, job.cron) == (age_presence_task, timedelta(minutes=1), None)


# the web: heartbeat middleware and the top-bar switch


def test_a_page_request_is_a_heartbeat_but_a_timed_poll_is_not(client, agent):
    client.force_login(agent.user)

    client.get(reverse("stores:profile"), headers={POLL_HEADER: "1"})
    agent.refresh_from_db()
    after_poll = agent.last_seen_at
    client.get(reverse("stores:profile"))
    agent.refresh_from_db()

    assert (after_poll, agent.last_seen_at is not None) == (None, True)


def test_the_topbar_switch_sets_presence(client, agent):
    client.force_login(agent.user)

    page = client.get(reverse("stores:profile"))
    response = client.post(reverse("stores:presence"), {"presence": "online"}, headers={"HX-Request": "true"})

    assert 'name="presence"' in page.content.decode()
    assert response.status_code == 200
    assert '<option value="online" selected>' in response.content.decode()
    assert _state(agent) == ("online", False)


def test_the_topbar_switch_refuses_bad_values_and_foreign_redirects(client, agent):
    client.force_login(agent.user)

    bad = client.post(reverse("stores:presence"), {"presence": "busy"})
    foreign = client.post(reverse("stores:presence"), {"presence": "away", "next": "https://evil.example/"})

    assert bad.status_code == 400
    assert (foreign.status_code, foreign["Location"]) == (302, reverse("inbox"))
    assert _state(agent) == ("away", False)


# routing settings page

ROUTING_POST = {
    "mode": "round_robin",
    "sticky_owner": "on",
    "away_after_minutes": "5",
    "offline_after_minutes": "45",
    "unassigned_minutes": "15",
    "chat_wait_seconds": "90",
    "chat_escalate_seconds": "600",
    "max_transfers": "3",
}


def test_admin_saves_routing_settings_and_other_keys_stay(client, admin, store):
    store.options = {"announcements": {"must_read_blocks_reply": False}}
    store.save()
    client.force_login(admin.user)

    page = client.get(reverse("stores:routing"))
    response = client.post(reverse("stores:routing"), ROUTING_POST)

    assert (page.status_code, response.status_code) == (200, 302)
    store.refresh_from_db()
    assert store.options == {
        "announcements": {"must_read_blocks_reply": False},
        "routing": {"mode": "round_robin", "sticky_owner": True, "l1_first": False},
        "presence": {"away_after_minutes": 5, "offline_after_minutes": 45},
        "queue_alerts": {
            "unassigned_minutes": 15,
            "chat_wait_seconds": 90,
            "chat_escalate_seconds": 600,
            "max_transfers": 3,
        },
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("unassigned_minutes", "-1", "“Unassigned for, minutes” must be a whole number from 0 to 10080."),
        ("chat_wait_seconds", "-30", "“Chat waiting, seconds” must be a whole number from 0 to 86400."),
        ("max_transfers", "-2", "“Transfers above” must be a whole number from 0 to 100."),
        ("away_after_minutes", "0", "“Away after, minutes” must be a whole number from 1 to 10080."),
        (
            "offline_after_minutes",
            "4",
            "An agent goes offline after going away: give at least as many minutes.",
        ),
    ],
    ids=["negative-minutes", "negative-seconds", "negative-transfers", "zero-away", "offline-before-away"],
)
def test_bad_numbers_are_refused_with_a_clear_error_and_nothing_saved(
    client, admin, store, field, value, message
):
    client.force_login(admin.user)

    response = client.post(reverse("stores:routing"), {**ROUTING_POST, field: value})

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    store.refresh_from_db()
    assert store.options == {}


def test_unknown_mode_is_refused(client, admin, store):
    client.force_login(admin.user)

    response = client.post(reverse("stores:routing"), {**ROUTING_POST, "mode": "lottery"})

    assert response.status_code == 400
    store.refresh_from_db()
    assert store.options == {}


@pytest.mark.parametrize("role", ["agent", "lead"])
def test_only_admins_see_and_change_routing_settings(client, request, store, role):
    client.force_login(request.getfixturevalue(role).user)

    responses = [client.get(reverse("stores:routing")), client.post(reverse("stores:routing"), ROUTING_POST)]

    assert [r.status_code for r in responses] == [403, 403]
    store.refresh_from_db()
    assert store.options == {}


# agents' skills and per-channel capacity


def test_admin_sets_skills_and_capacity_per_channel(client, admin, agent):
    client.force_login(admin.user)

    response = client.post(
        reverse("stores:agent_edit", args=[agent.pk]),
        {
            "display_name": agent.display_name,
            "role": "agent",
            "tier": "l1",
            "capacity": "4",
            "skills": ["delivery", "return"],
            "capacity_chat": "2",
            "capacity_email": "20",
            "capacity_phone": "",
        },
    )

    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.skills, agent.channel_capacity) == (["delivery", "return"], {"chat": 2, "email": 20})
    assert (agent.capacity_for("chat"), agent.capacity_for("phone")) == (2, 4)


def test_negative_channel_capacity_is_refused(client, admin, agent):
    client.force_login(admin.user)

    response = client.post(
        reverse("stores:agent_edit", args=[agent.pk]),
        {"display_name": "Ольга", "role": "agent", "tier": "l1", "capacity": "4", "capacity_chat": "-1"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["capacity_chat"] == ["Capacity must be between 0 and 100."]
    agent.refresh_from_db()
    assert agent.channel_capacity == {}


def test_unknown_skill_or_channel_is_refused_by_the_action(agent, admin):
    by = Actor.of_agent(admin)

    with pytest.raises(InvalidInput) as skill_error:
        update_agent(agent=agent, by=by, skills=["astrology"])
    with pytest.raises(InvalidInput) as channel_error:
        update_agent(agent=agent, by=by, channel_capacity={"pigeon": 1})

    assert (skill_error.value.field, channel_error.value.field) == ("skills", "channel_capacity")


def test_an_agent_cannot_change_own_skills(agent):
    with pytest.raises(PermissionDenied):
        update_agent(agent=agent, by=Actor.of_agent(agent), skills=["order"])


def test_presence_defaults_to_offline(agent):
    assert (agent.presence, agent.skills, agent.channel_capacity) == (Presence.OFFLINE, [], {})
