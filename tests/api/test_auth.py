"""Bearer tokens: 401 without a usable token, 403 ``insufficient_scope`` per endpoint, usage stamping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.conftest import ApiClient
from tests.api.routes import api_routes
from tests.factories import make_token
from zabota.stores.models import ALL_SCOPES, ApiToken

SCOPED = [r for r in api_routes() if r.scope is not None]


def _path(route):
    return route.path.replace("{id}", "1").replace("{macro_id}", "1").replace("{merge_id}", "1")


def _call(client, route):
    path = _path(route)
    if route.method == "GET":
        return client.get(path)
    if route.method == "DELETE":
        return client.delete(path)
    if route.method == "PATCH":
        return client.patch(path, {})
    return client.post(path, {})


@pytest.mark.parametrize("route", [r for r in api_routes() if r.has_auth], ids=str)
def test_no_token_is_401(route, db):
    response = _call(ApiClient(None), route)
    assert response.status_code == 401
    assert response.json() == {
        "code": "unauthorized",
        "message": "A valid API token is required (Bearer).",
        "field": None,
    }


@pytest.mark.parametrize("header", ["Bearer nope", "Basic abc", "Bearer ", "Bearer " + "x" * 300])
def test_unknown_token_is_401(header, store):
    response = ApiClient(None).client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_revoked_token_is_401(store):
    raw = make_token(store)
    ApiToken.objects.update(revoked_at=timezone.now())
    assert ApiClient(raw).get("/me").status_code == 401


def test_token_of_deactivated_agent_is_401(store, agent):
    raw = make_token(store, agent=agent)
    agent.is_active = False
    agent.save()
    assert ApiClient(raw).get("/me").status_code == 401


@pytest.mark.parametrize("route", SCOPED, ids=str)
def test_missing_scope_is_403(route, store):
    # given a token with every scope but the one the endpoint needs
    raw = make_token(store, scopes=tuple(s for s in ALL_SCOPES if s != route.scope))
    # when
    response = _call(ApiClient(raw), route)
    # then
    assert response.status_code == 403
    assert response.json() == {
        "code": "insufficient_scope",
        "message": f"The token lacks the “{route.scope}” scope.",
        "field": None,
    }


def test_every_endpoint_but_me_needs_a_scope():
    assert [str(r) for r in api_routes() if r.scope is None and r.has_auth] == ["GET /me"]


def test_only_public_data_is_served_without_a_token():
    # the raw-email endpoint takes its mailbox's secret instead (tests/api/test_inbound_email.py)
    assert [str(r) for r in api_routes() if not r.has_auth] == [
        "POST /inbound/email/{mailbox_id}",
        "GET /public/{store_slug}/incidents",
    ]


def test_me_for_an_integration_token(store):
    raw = make_token(store, scopes=("conversations:read", "inbound:write"))
    response = ApiClient(raw).get("/me")
    assert response.status_code == 200
    assert response.json() == {
        "store": {
            "id": store.pk,
            "name": "Пример",
            "slug": "primer",
            "timezone": "Europe/Moscow",
            "locale": "ru",
            "currency": "RUB",
        },
        "token_name": "test",
        "token_prefix": raw[:8],
        "scopes": ["conversations:read", "inbound:write"],
        "agent": None,
        "actor_kind": "integration",
    }


def test_me_for_an_agent_token(store, agent):
    response = ApiClient(make_token(store, agent=agent)).get("/me")
    body = response.json()
    assert body["actor_kind"] == "agent"
    assert body["agent"] == {
        "id": agent.pk,
        "display_name": "Ольга Агентова",
        "role": "agent",
        "tier": "l1",
        "capacity": 5,
        "is_active": True,
        "team_ids": [],
    }


def test_last_used_at_is_written_at_most_once_a_minute(store, django_assert_num_queries):
    client = ApiClient(make_token(store))
    with django_assert_num_queries(3):  # the token, the stamp, the tags
        client.get("/tags")
    stamped = ApiToken.objects.get().last_used_at
    assert stamped is not None
    with django_assert_num_queries(2):  # the token, the tags
        client.get("/tags")
    assert ApiToken.objects.get().last_used_at == stamped
    ApiToken.objects.update(last_used_at=stamped - timedelta(minutes=2))
    client.get("/tags")
    assert ApiToken.objects.get().last_used_at > stamped


def test_agent_token_acts_with_the_agents_role(store, agent):
    from tests.factories import make_customer

    source, target = make_customer(store), make_customer(store)
    response = ApiClient(make_token(store, agent=agent)).post(
        f"/customers/{source.pk}/merge", {"target_id": target.pk}
    )
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "Your role does not allow this action.",
        "field": None,
    }
