"""Every failure is a JSON ``{"code", "message", "field"}`` with the right 4xx; the schema is served."""

from __future__ import annotations

import base64
import json

import pytest

from tests.factories import make_conversation


def test_openapi_schema_lists_the_paths(api):
    response = api.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert len(paths) == 37
    assert set(paths["/api/v1/conversations/{id}"]) == {"get", "patch"}
    assert "requestBody" in paths["/api/v1/inbound/messages"]["post"]
    assert "message/rfc822" in paths["/api/v1/inbound/email/{mailbox_id}"]["post"]["requestBody"]["content"]
    assert response.json()["components"]["securitySchemes"] == {
        "ScopedTokenAuth": {"type": "http", "scheme": "bearer"}
    }


def test_docs_page(api):
    assert api.client.get("/api/v1/docs").status_code == 200


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%",
        "bm90IGpzb24",
        base64.urlsafe_b64encode(b'{"id": "1"}').decode(),
        base64.urlsafe_b64encode(b'{"id": -1}').decode(),
        base64.urlsafe_b64encode(b"[1]").decode(),
        base64.urlsafe_b64encode(b'{"id": 99999999999999999999}').decode(),
    ],
)
def test_invalid_cursor_is_400(api, store, cursor):
    response = api.get("/conversations", {"cursor": cursor})
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_cursor",
        "message": "The cursor is not valid.",
        "field": "cursor",
    }


@pytest.mark.parametrize("limit", ["0", "201", "abc"])
def test_limit_out_of_range_is_422(api, store, limit):
    response = api.get("/conversations", {"limit": limit})
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == ("validation_error", "limit")


def test_malformed_json_body(api, store):
    conversation = make_conversation(store)
    response = api.post(f"/conversations/{conversation.pk}/notes", raw="{text: nope")
    assert response.status_code == 400
    assert response.json() == {
        "code": "malformed_json",
        "message": "The body is not valid JSON.",
        "field": None,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "text"), ({"text": ["a"]}, "text"), ({"text": "ok", "status": 5}, "status")],
    ids=["missing", "list-instead-of-string", "number-instead-of-string"],
)
def test_wrong_types_and_missing_fields_are_422(api, store, body, field):
    conversation = make_conversation(store)
    response = api.post(f"/conversations/{conversation.pk}/replies", body)
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == ("validation_error", field)


def test_nested_field_names(api, store):
    response = api.post("/customers", {"identities": [{"kind": "email"}]})
    assert (response.status_code, response.json()["field"]) == (422, "identities.0.value")


@pytest.mark.parametrize(
    "path",
    [
        "/conversations/0",
        "/conversations/99999999999999999999999",
        "/customers/9223372036854775808",
        "/webhooks/deliveries/0/redeliver",
    ],
)
def test_ids_out_of_range_are_404(api, store, path):
    response = api.post(path, {}) if path.endswith("redeliver") else api.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_non_numeric_id_is_422(api, store):
    response = api.get("/conversations/abc")
    assert (response.status_code, response.json()["field"]) == (422, "id")


def test_unknown_status_in_patch(api, store):
    conversation = make_conversation(store)
    response = api.patch(f"/conversations/{conversation.pk}", {"status": "lost"})
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "message": "Unknown status “lost”.", "field": "status"}


def test_json_body_that_is_not_an_object(api, store):
    conversation = make_conversation(store)
    response = api.post(f"/conversations/{conversation.pk}/notes", raw=json.dumps(["a"]))
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_schema_is_served_by_the_project_urls(api, settings):
    settings.ROOT_URLCONF = "config.urls"
    response = api.client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/inbound/messages/batch" in response.json()["paths"]
