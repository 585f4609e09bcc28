"""Store settings, own profile, agents, teams and API tokens pages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from tests.factories import make_agent, make_team
from zabota.stores.models import Agent, Store, Team

STORE_POST = {
    "name": "Уютный дом",
    "timezone": "Asia/Yekaterinburg",
    "locale": "en",
    "currency": "kzt",
    "reopen_window_days": "14",
}


def _store_row(store: Store) -> tuple[object, ...]:
    store.refresh_from_db()
    return (store.name, store.timezone, store.locale, store.currency, store.reopen_window_days)


# store profile


def test_admin_updates_the_store(client, admin, store):
    client.force_login(admin.user)

    response = client.post(reverse("stores:settings"), STORE_POST)

    assert response.status_code == 302
    assert _store_row(store) == ("Уютный дом", "Asia/Yekaterinburg", "en", "KZT", 14)


@pytest.mark.parametrize("role", ["agent", "lead"])
def test_others_see_the_store_read_only_and_cannot_post(client, request, store, role):
    client.force_login(request.getfixturevalue(role).user)
    before = _store_row(store)

    page = client.get(reverse("stores:settings"))
    post = client.post(reverse("stores:settings"), STORE_POST)

    assert page.status_code == 200
    assert page.context["may_edit"] is False
    assert 'name="reopen_window_days"' not in page.content.decode()
    assert post.status_code == 403
    assert _store_row(store) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("timezone", "Mars/Olympus", id="timezone"),
        pytest.param("locale", "de", id="locale"),
        pytest.param("currency", "R1", id="currency"),
        pytest.param("reopen_window_days", "-1", id="negative-window"),
        pytest.param("name", "  ", id="blank-name"),
    ],
)
def test_bad_store_input_is_400(client, admin, store, field, value):
    client.force_login(admin.user)
    before = _store_row(store)

    response = client.post(reverse("stores:settings"), {**STORE_POST, field: value})

    assert response.status_code == 400
    assert response.context["form"].errors
    assert _store_row(store) == before


def test_currency_letters_checked_by_the_action(client, admin, store):
    client.force_login(admin.user)

    response = client.post(reverse("stores:settings"), {**STORE_POST, "currency": "12$"})

    assert response.status_code == 400
    assert response.context["form"].errors["currency"]
    assert _store_row(store)[3] == "RUB"


# own profile


def test_agent_edits_own_profile(client, agent):
    client.force_login(agent.user)

    response = client.post(
        reverse("stores:profile"), {"display_name": "Ольга", "signature": "С уважением,\nОльга"}
    )

    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.display_name, agent.signature, agent.role) == ("Ольга", "С уважением,\nОльга", "agent")


def test_blank_display_name_is_400(client, agent):
    client.force_login(agent.user)

    response = client.post(reverse("stores:profile"), {"display_name": "", "signature": ""})

    assert response.status_code == 400
    agent.refresh_from_db()
    assert agent.display_name == "Ольга Агентова"


# agents


@pytest.mark.parametrize("role", ["agent", "lead"])
def test_only_admins_manage_agents_and_teams(client, request, store, admin, role):
    client.force_login(request.getfixturevalue(role).user)

    responses = [
        client.get(reverse("stores:agents")),
        client.get(reverse("stores:agent_create")),
        client.post(reverse("stores:agent_create"), {"username": "x", "password": "Pa55word-long"}),
        client.post(reverse("stores:agent_edit", args=[admin.pk]), {"display_name": "x"}),
        client.post(reverse("stores:agent_set_active", args=[admin.pk]), {"active": "0"}),
        client.get(reverse("stores:teams")),
        client.post(reverse("stores:teams"), {"name": "Взлом"}),
    ]

    assert [r.status_code for r in responses] == [403] * 7
    admin.refresh_from_db()
    assert (admin.is_active, Team.objects.count(), User.objects.filter(username="x").exists()) == (
        True,
        0,
        False,
    )


def test_admin_adds_an_agent(client, admin, store):
    team = make_team(store, "Возвраты")
    client.force_login(admin.user)

    response = client.post(
        reverse("stores:agent_create"),
        {
            "username": "maria",
            "password": "Ochen-dlinnyi-parol-42",
            "email": "maria@primer.ru",
            "display_name": "Мария Смирнова",
            "role": "lead",
            "tier": "l2",
            "teams": [str(team.pk)],
            "capacity": "8",
        },
    )

    assert response.status_code == 302
    agent = Agent.objects.get(user__username="maria")
    assert (agent.store_id, agent.display_name, agent.role, agent.tier, agent.capacity, agent.is_active) == (
        store.pk,
        "Мария Смирнова",
        "lead",
        "l2",
        8,
        True,
    )
    assert list(agent.teams.all()) == [team]
    assert agent.user.check_password("Ochen-dlinnyi-parol-42")
    assert agent.user.email == "maria@primer.ru"


def test_existing_member_is_409(client, admin, agent):
    client.force_login(admin.user)

    response = client.post(
        reverse("stores:agent_create"),
        {
            "username": agent.user.username,
            "password": "Ochen-dlinnyi-parol-42",
            "display_name": "Ещё раз",
            "role": "agent",
            "tier": "l1",
            "capacity": "5",
        },
    )

    assert response.status_code == 409
    assert response.context["form"].errors["username"]
    assert Agent.objects.filter(user=agent.user).count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("password", "123", id="weak-password"),
        pytest.param("role", "owner", id="bad-role"),
        pytest.param("capacity", "500", id="capacity"),
    ],
)
def test_bad_agent_input_is_400(client, admin, field, value):
    client.force_login(admin.user)
    data = {
        "username": "petr",
        "password": "Ochen-dlinnyi-parol-42",
        "display_name": "Пётр",
        "role": "agent",
        "tier": "l1",
        "capacity": "5",
    }

    response = client.post(reverse("stores:agent_create"), {**data, field: value})

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not User.objects.filter(username="petr").exists()


def test_team_of_another_store_cannot_be_chosen(client, admin, other_store):
    foreign_team = make_team(other_store, "Чужая")
    client.force_login(admin.user)

    response = client.post(
        reverse("stores:agent_create"),
        {
            "username": "petr",
            "password": "Ochen-dlinnyi-parol-42",
            "display_name": "Пётр",
            "role": "agent",
            "tier": "l1",
            "capacity": "5",
            "teams": [str(foreign_team.pk)],
        },
    )

    assert response.status_code == 400
    assert not User.objects.filter(username="petr").exists()


def test_admin_edits_an_agent(client, admin, agent, store):
    team = make_team(store, "Доставка")
    client.force_login(admin.user)

    page = client.get(reverse("stores:agent_edit", args=[agent.pk]))
    response = client.post(
        reverse("stores:agent_edit", args=[agent.pk]),
        {"display_name": "Ольга А.", "role": "lead", "tier": "l2", "teams": [str(team.pk)], "capacity": "3"},
    )

    assert page.status_code == 200
    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.display_name, agent.role, agent.tier, agent.capacity) == ("Ольга А.", "lead", "l2", 3)
    assert list(agent.teams.all()) == [team]


def test_deactivate_and_reactivate(client, admin, agent):
    client.force_login(admin.user)

    client.post(reverse("stores:agent_set_active", args=[agent.pk]), {"active": "0"})
    agent.refresh_from_db()
    assert agent.is_active is False
    listing = client.get(reverse("stores:agents"))
    assert [a.pk for a in listing.context["agents"]] == [admin.pk, agent.pk]

    client.post(reverse("stores:agent_set_active", args=[agent.pk]), {"active": "1"})
    agent.refresh_from_db()
    assert agent.is_active is True


def test_admin_cannot_deactivate_self(client, admin):
    client.force_login(admin.user)

    client.post(reverse("stores:agent_set_active", args=[admin.pk]), {"active": "0"})

    admin.refresh_from_db()
    assert admin.is_active is True


def test_another_stores_agent_is_404(client, admin, other_store):
    foreign = make_agent(other_store, name="Чужой агент")
    client.force_login(admin.user)

    responses = [
        client.get(reverse("stores:agent_edit", args=[foreign.pk])),
        client.post(
            reverse("stores:agent_edit", args=[foreign.pk]),
            {"display_name": "x", "role": "agent", "tier": "l1", "capacity": "1"},
        ),
        client.post(reverse("stores:agent_set_active", args=[foreign.pk]), {"active": "0"}),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    foreign.refresh_from_db()
    assert (foreign.display_name, foreign.is_active) == ("Чужой агент", True)


# teams


def test_admin_creates_a_team_and_duplicates_are_409(client, admin, store):
    client.force_login(admin.user)

    created = client.post(reverse("stores:teams"), {"name": "Возвраты", "description": "RMA"})
    duplicate = client.post(reverse("stores:teams"), {"name": "Возвраты"})

    assert created.status_code == 302
    assert duplicate.status_code == 409
    assert duplicate.context["form"].errors["name"]
    assert list(Team.objects.for_store(store).values_list("name", "description")) == [("Возвраты", "RMA")]
