"""Tokens, agents and teams: what is stored, and what is refused."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from tests.factories import make_agent, make_team
from zabota.core.errors import Conflict, InvalidInput, PermissionDenied
from zabota.stores import actions
from zabota.stores.actors import Actor
from zabota.stores.models import Agent, ApiToken, Team, hash_token


def test_create_token_shows_the_raw_value_once(store, admin):
    token, raw = actions.create_token(
        store=store,
        name="  CRM  ",
        scopes=["customers:read", "conversations:read", "customers:read"],
        by=Actor.of_agent(admin),
    )
    stored = ApiToken.objects.get()
    assert raw.startswith("zb_")
    assert len(raw) == 46
    assert (stored.name, stored.scopes, stored.agent_id, stored.prefix) == (
        "CRM",
        ["conversations:read", "customers:read"],
        None,
        raw[:10],
    )
    assert stored.token_hash == hash_token(raw)
    assert raw not in {
        str(v) for v in ApiToken.objects.values_list("name", "prefix", "token_hash", "scopes").get()
    }
    assert token.pk == stored.pk


def test_agent_creates_and_revokes_a_personal_token(store, agent):
    by = Actor.of_agent(agent)
    token, _raw = actions.create_token(
        store=store, name="Мой", scopes=["conversations:read"], by=by, agent=agent
    )
    assert token.agent_id == agent.pk
    actions.revoke_token(token=token, by=by)
    token.refresh_from_db()
    revoked_at = token.revoked_at
    assert revoked_at is not None
    actions.revoke_token(token=token, by=by)  # again: unchanged
    token.refresh_from_db()
    assert token.revoked_at == revoked_at
    assert ApiToken.objects.usable().count() == 0


def test_agent_cannot_revoke_someone_elses_token(store, agent, admin):
    token, _raw = actions.create_token(
        store=store, name="CRM", scopes=["conversations:read"], by=Actor.of_agent(admin)
    )
    with pytest.raises(PermissionDenied):
        actions.revoke_token(token=token, by=Actor.of_agent(agent))
    token.refresh_from_db()
    assert token.revoked_at is None


def test_deactivated_agent_cannot_create_a_personal_token(store):
    gone = make_agent(store, is_active=False)
    with pytest.raises(PermissionDenied):
        actions.create_token(
            store=store, name="Мой", scopes=["conversations:read"], by=Actor.of_agent(gone), agent=gone
        )
    assert ApiToken.objects.count() == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": " "}, "name"),
        ({"scopes": []}, "scopes"),
        ({"scopes": ["conversations:read", "root"]}, "scopes"),
        ({"agent": "other"}, "agent"),
    ],
    ids=["name", "no-scopes", "unknown-scope", "agent-of-another-store"],
)
def test_create_token_validation(store, other_store, admin, kwargs, field):
    if kwargs.get("agent") == "other":
        kwargs = {"agent": make_agent(other_store)}
    with pytest.raises(InvalidInput) as caught:
        actions.create_token(
            store=store,
            by=Actor.of_agent(admin),
            **{"name": "CRM", "scopes": ["conversations:read"], **kwargs},
        )
    assert caught.value.field == field
    assert ApiToken.objects.count() == 0


def test_create_agent(store, admin):
    team = make_team(store, "Доставка")
    agent = actions.create_agent(
        store=store,
        by=Actor.of_agent(admin),
        username=" maria ",
        password="pass12345!",
        display_name=" Мария Иванова ",
        role="lead",
        tier="l2",
        teams=[team],
        capacity=8,
        email="maria@primer.ru",
    )
    assert (
        agent.user.username,
        agent.user.email,
        agent.display_name,
        agent.role,
        agent.tier,
        agent.capacity,
    ) == (
        "maria",
        "maria@primer.ru",
        "Мария Иванова",
        "lead",
        "l2",
        8,
    )
    assert agent.user.check_password("pass12345!")
    assert list(agent.teams.all()) == [team]
    with pytest.raises(Conflict) as caught:
        actions.create_agent(
            store=store, by=Actor.of_agent(admin), username="maria", password="x", display_name="Ещё раз"
        )
    assert caught.value.field == "username"


def test_existing_user_joins_another_store(store, other_store, admin):
    other_admin = make_agent(other_store, role="admin")
    actions.create_agent(
        store=store, by=Actor.of_agent(admin), username="olga", password="pass12345!", display_name="Ольга"
    )
    agent = actions.create_agent(
        store=other_store,
        by=Actor.of_agent(other_admin),
        username="olga",
        password="ignored",
        display_name="Ольга",
    )
    assert User.objects.filter(username="olga").count() == 1
    assert agent.store_id == other_store.pk
    assert agent.user.check_password("pass12345!")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"role": "owner"}, "role"),
        ({"tier": "l3"}, "tier"),
        ({"username": " "}, "username"),
        ({"display_name": ""}, "username"),
        ({"teams": "other"}, "teams"),
        ({"capacity": 101}, "capacity"),
        ({"capacity": -1}, "capacity"),
    ],
    ids=[
        "role",
        "tier",
        "username",
        "display-name",
        "team-of-another-store",
        "capacity-high",
        "capacity-negative",
    ],
)
def test_create_agent_validation(store, other_store, admin, kwargs, field):
    if kwargs.get("teams") == "other":
        kwargs = {"teams": [make_team(other_store)]}
    before = (Agent.objects.count(), User.objects.count())
    with pytest.raises(InvalidInput) as caught:
        actions.create_agent(
            store=store,
            by=Actor.of_agent(admin),
            **{"username": "new", "password": "pass12345!", "display_name": "Новый", **kwargs},
        )
    assert caught.value.field == field
    assert (Agent.objects.count(), User.objects.count()) == before


def test_update_agent(store, admin, agent):
    team = make_team(store, "VIP")
    actions.update_agent(
        agent=agent,
        by=Actor.of_agent(admin),
        role="lead",
        tier="l2",
        teams=[team],
        capacity=0,
        is_active=False,
    )
    agent.refresh_from_db()
    assert (agent.role, agent.tier, agent.capacity, agent.is_active) == ("lead", "l2", 0, False)
    assert list(agent.teams.all()) == [team]


def test_agent_edits_own_profile_but_not_own_role(agent):
    by = Actor.of_agent(agent)
    actions.update_agent(agent=agent, by=by, display_name=" Оля ", signature="С уважением, Оля")
    agent.refresh_from_db()
    assert (agent.display_name, agent.signature) == ("Оля", "С уважением, Оля")
    with pytest.raises(PermissionDenied):
        actions.update_agent(agent=agent, by=by, role="admin")
    agent.refresh_from_db()
    assert agent.role == "agent"


def test_deactivated_agent_cannot_edit_own_profile(store):
    gone = make_agent(store, is_active=False, name="Бывший")
    with pytest.raises(PermissionDenied):
        actions.update_agent(agent=gone, by=Actor.of_agent(gone), display_name="Вернулся")
    gone.refresh_from_db()
    assert gone.display_name == "Бывший"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"role": "owner"}, "role"),
        ({"tier": "l3"}, "tier"),
        ({"capacity": 101}, "capacity"),
        ({"display_name": "  "}, "display_name"),
        ({"teams": "other"}, "teams"),
    ],
    ids=["role", "tier", "capacity", "display-name", "team-of-another-store"],
)
def test_update_agent_validation(store, other_store, admin, agent, kwargs, field):
    if kwargs.get("teams") == "other":
        kwargs = {"teams": [make_team(other_store)], "role": "lead"}
    with pytest.raises(InvalidInput) as caught:
        actions.update_agent(agent=agent, by=Actor.of_agent(admin), **kwargs)
    assert caught.value.field == field
    stored = Agent.objects.get(pk=agent.pk)
    assert (stored.role, stored.tier, stored.capacity, stored.display_name, stored.teams.count()) == (
        "agent",
        "l1",
        5,
        "Ольга Агентова",
        0,
    )


def test_create_team(store, admin):
    team = actions.create_team(
        store=store, name="  Доставка ", description="Курьеры и ПВЗ", by=Actor.of_agent(admin)
    )
    assert (team.name, team.description, team.store_id) == ("Доставка", "Курьеры и ПВЗ", store.pk)
    with pytest.raises(Conflict) as caught:
        actions.create_team(store=store, name="Доставка", by=Actor.of_agent(admin))
    assert caught.value.field == "name"
    with pytest.raises(InvalidInput) as caught:
        actions.create_team(store=store, name=" ", by=Actor.of_agent(admin))
    assert caught.value.field == "name"
    assert Team.objects.count() == 1
