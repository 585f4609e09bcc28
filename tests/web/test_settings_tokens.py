"""API tokens page: administrators manage all tokens, agents only their own; the raw value is shown once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_agent
from zabota.stores.actions import create_token
from zabota.stores.actors import Actor
from zabota.stores.models import ApiToken, hash_token


def test_admin_creates_an_integration_token_shown_once(client, admin, store):
    client.force_login(admin.user)

    response = client.post(
        reverse("stores:tokens"),
        {"name": "1С", "scopes": ["customers:read", "conversations:read"], "agent": ""},
    )

    assert response.status_code == 201
    raw = response.context["new_token_raw"]
    token = ApiToken.objects.get()
    assert (token.store_id, token.name, token.agent_id, token.scopes, token.token_hash) == (
        store.pk,
        "1С",
        None,
        ["conversations:read", "customers:read"],
        hash_token(raw),
    )
    assert raw in response.content.decode()
    assert raw not in client.get(reverse("stores:tokens")).content.decode()


def test_admin_creates_a_token_for_an_agent(client, admin, agent):
    client.force_login(admin.user)

    response = client.post(
        reverse("stores:tokens"), {"name": "Бот", "scopes": ["macros:read"], "agent": str(agent.pk)}
    )

    assert response.status_code == 201
    assert list(ApiToken.objects.values_list("agent", "scopes")) == [(agent.pk, ["macros:read"])]


def test_agent_creates_own_token_even_when_posting_another_agent(client, agent, admin):
    client.force_login(agent.user)

    response = client.post(
        reverse("stores:tokens"), {"name": "Мой", "scopes": ["conversations:read"], "agent": str(admin.pk)}
    )

    assert response.status_code == 201
    assert list(ApiToken.objects.values_list("agent", "name")) == [(agent.pk, "Мой")]


def test_agent_sees_and_revokes_only_own_tokens(client, store, agent, admin):
    own, _ = create_token(
        store=store, name="Мой", scopes=["macros:read"], by=Actor.of_agent(agent), agent=agent
    )
    others, _ = create_token(store=store, name="Чужой", scopes=["macros:read"], by=Actor.of_agent(admin))
    client.force_login(agent.user)

    listing = client.get(reverse("stores:tokens"))
    revoke_other = client.post(reverse("stores:token_revoke", args=[others.pk]))
    revoke_own = client.post(reverse("stores:token_revoke", args=[own.pk]))

    assert [t.pk for t in listing.context["tokens"]] == [own.pk]
    assert "agent" not in listing.context["form"].fields
    assert (revoke_other.status_code, revoke_own.status_code) == (404, 302)
    own.refresh_from_db()
    others.refresh_from_db()
    assert own.revoked_at is not None
    assert others.revoked_at is None


def test_admin_revokes_any_token_of_the_store(client, store, admin, agent):
    token, _ = create_token(
        store=store, name="Агентский", scopes=["macros:read"], by=Actor.of_agent(agent), agent=agent
    )
    client.force_login(admin.user)

    response = client.post(reverse("stores:token_revoke", args=[token.pk]))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"name": "X", "scopes": []}, id="no-scopes"),
        pytest.param({"name": "X", "scopes": ["root"]}, id="unknown-scope"),
        pytest.param({"name": "", "scopes": ["macros:read"]}, id="no-name"),
        pytest.param({"name": "X", "scopes": ["macros:read"], "agent": "999999"}, id="unknown-agent"),
    ],
)
def test_bad_token_input_is_400(client, admin, data):
    client.force_login(admin.user)

    response = client.post(reverse("stores:tokens"), data)

    assert response.status_code == 400
    assert response.context["form"].errors
    assert ApiToken.objects.count() == 0


def test_another_stores_token_is_404(client, admin, other_store):
    foreign_admin = make_agent(other_store, role="admin")
    token, _ = create_token(
        store=other_store, name="Чужой", scopes=["macros:read"], by=Actor.of_agent(foreign_admin)
    )
    client.force_login(admin.user)

    response = client.post(reverse("stores:token_revoke", args=[token.pk]))

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
