"""Tenant isolation, generated from the API's own route list: store A's token never reaches store B.

Every ``{param}`` gets store B's id (all at once, then one at a time next to A's own ids): 404. Every
list is read with B's ids as filters. Afterwards nothing of B has changed and no response mentions B.
A new endpoint with a new kind of path parameter fails here until it is mapped below.
"""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import ApiClient
from tests.api.helpers import Filled, fill, snapshot
from tests.api.routes import Route, api_routes
from tests.factories import make_store, make_token

# Public routes (no token: a store's incidents) are tested by their app.
ROUTES = [r for r in api_routes() if r.has_auth]
FOREIGN_MARKERS = ("чужой", "chuzhoy")


def _param_value(route: Route, param: str, ids: Filled) -> int:
    resource = route.path.strip("/").split("/")[0]
    table = {
        ("conversations", "id"): ids.conversation,
        ("conversations", "macro_id"): ids.macro,
        ("customers", "id"): ids.customer,
        ("customers", "merge_id"): ids.merge,
        ("webhooks", "id"): ids.delivery if "/deliveries/{id}" in route.path else ids.subscription,
        ("notifications", "id"): ids.notification,
        ("announcements", "id"): ids.announcement,
    }
    return table[(resource, param)]  # KeyError: map the new endpoint's parameter here


def _body(route: Route, ids: Filled) -> dict:
    target = ids.other_customer if route.path.startswith("/customers") else ids.other_conversation
    return {
        "target_id": target,
        "customer_id": ids.customer,
        "to_agent_id": ids.l2_agent,
        "to_team_id": ids.team,
        "assignee_id": ids.agent,
        "team_id": ids.team,
        "text": "Текст",
        "reason": "причина",
        "name": "Имя",
        "kind": "email",
        "value": "new@svoi.ru",
        "url": "https://hooks.example.ru/new",
        "events": ["message.created"],
        "messages": [],
        "send": True,
    }


def _call(client: ApiClient, route: Route, path: str, body: dict | None, query: dict | None = None):
    if route.method == "GET":
        return client.get(path, query)
    if route.method == "DELETE":
        return client.delete(path)
    if route.method == "PATCH":
        return client.patch(path, body or {})
    return client.post(path, body or {})


def _fill_path(route: Route, own: Filled, foreign: Filled, foreign_params: set[str]) -> str:
    path = route.path
    for param in route.params:
        ids = foreign if param in foreign_params else own
        path = path.replace("{" + param + "}", str(_param_value(route, param, ids)))
    return path


def _assert_no_leak(response) -> None:
    assert response.status_code < 500, response.content
    text = json.dumps(response.json(), ensure_ascii=False).lower() if response.content else ""
    for marker in FOREIGN_MARKERS:
        assert marker not in text


@pytest.fixture
def two_stores(db):
    own_store = make_store("Свой", slug="svoy")
    foreign_store = make_store("Чужой", slug="chuzhoy")
    own = fill(own_store, "свой")
    foreign = fill(foreign_store, "чужой")
    return own, foreign, ApiClient(make_token(own_store))


def _variants(route: Route) -> list[set[str]]:
    params = route.params
    return [set(params)] + ([{p} for p in params] if len(params) > 1 else [])


@pytest.mark.parametrize("route", [r for r in ROUTES if r.params], ids=str)
def test_foreign_ids_in_the_path_are_not_found(route, two_stores):
    # given
    own, foreign, client = two_stores
    before = snapshot(foreign.store)
    for foreign_params in _variants(route):
        path = _fill_path(route, own, foreign, foreign_params)
        # when
        response = _call(client, route, path, _body(route, own))
        # then
        assert response.status_code == 404, (path, response.content)
        assert response.json()["code"] == "not_found"
        _assert_no_leak(response)
    assert snapshot(foreign.store) == before


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_foreign_ids_in_bodies_and_filters_change_and_show_nothing(route, two_stores):
    # given: A's own ids in the path, B's ids everywhere else
    own, foreign, client = two_stores
    before = snapshot(foreign.store)
    path = _fill_path(route, own, foreign, set())
    query = {
        "customer_id": foreign.customer,
        "conversation_id": foreign.conversation,
        "assignee_id": foreign.agent,
        "team_id": foreign.team,
    }
    # when
    responses = [_call(client, route, path, _body(route, foreign), query)]
    if route.method == "GET":
        responses.append(_call(client, route, path, None))
    # then
    for response in responses:
        _assert_no_leak(response)
    if (
        route.method == "GET"
        and "items" in responses[0].json()
        and route.path
        in (
            "/conversations",
            "/messages",
        )
    ):
        assert responses[0].json()["items"] == []
    assert snapshot(foreign.store) == before


def test_every_route_is_covered():
    # the generated tests above really see the whole API
    assert len(ROUTES) == 41
    assert all(route.has_auth for route in ROUTES)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/conversations", {"customer_id": "customer"}),
        ("PATCH", "/conversations/{own_conversation}", {"assignee_id": "agent"}),
        ("PATCH", "/conversations/{own_conversation}", {"team_id": "team"}),
        ("POST", "/conversations/{own_conversation}/transfer", {"to_agent_id": "agent"}),
        ("POST", "/conversations/{own_conversation}/transfer", {"to_team_id": "team"}),
        ("POST", "/conversations/{own_conversation}/escalate", {"to_agent_id": "l2_agent"}),
        ("POST", "/conversations/{own_conversation}/merge", {"target_id": "other_conversation"}),
        ("POST", "/customers/{own_customer}/merge", {"target_id": "other_customer"}),
    ],
    ids=lambda v: str(v) if isinstance(v, str) else "",
)
def test_foreign_ids_in_the_body_are_not_found(method, path, body, two_stores):
    own, foreign, client = two_stores
    before = snapshot(foreign.store)
    path = path.replace("{own_conversation}", str(own.conversation)).replace(
        "{own_customer}", str(own.customer)
    )
    payload = {key: getattr(foreign, value) for key, value in body.items()}
    response = client.patch(path, payload) if method == "PATCH" else client.post(path, payload)
    assert response.status_code == 404, response.content
    assert response.json() == {"code": "not_found", "message": "Not found.", "field": next(iter(body))}
    assert snapshot(foreign.store) == before
