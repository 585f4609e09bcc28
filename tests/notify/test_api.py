"""API: an agent's token reads and marks its own notifications; integration tokens have none."""

from __future__ import annotations

from tests.api.conftest import ApiClient
from tests.factories import make_agent, make_token
from zabota.notify.actions import notify
from zabota.notify.models import Notification
from zabota.stores.models import Scope


def _notify(agent, key: str, title: str = "Скоро просрочка") -> Notification:
    notify(store_id=agent.store_id, agent_ids=[agent.pk], kind="sla.warned", title=title, dedupe_key=key)
    return Notification.objects.get(agent=agent, dedupe_key=key)


def test_list_is_the_agents_own_newest_first(store, agent, lead):
    # given
    older = _notify(agent, "a")
    newer = _notify(agent, "b")
    _notify(lead, "c", title="Чужое")
    api = ApiClient(make_token(store, agent=agent))
    # when
    response = api.get("/notifications")
    # then
    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["items"]] == [newer.pk, older.pk]
    assert body["next_cursor"] is None
    assert set(body["items"][0]) == {
        "id",
        "kind",
        "title",
        "body",
        "url",
        "severity",
        "payload",
        "created_at",
        "read_at",
    }


def test_unread_filter_and_pagination(store, agent):
    ids = [_notify(agent, f"k{i}").pk for i in range(3)]
    Notification.objects.filter(pk=ids[0]).update(read_at="2026-01-01T00:00:00Z")
    api = ApiClient(make_token(store, agent=agent))

    first = api.get("/notifications", {"unread": "true", "limit": 1}).json()
    second = api.get("/notifications", {"unread": "true", "limit": 1, "cursor": first["next_cursor"]}).json()

    assert [i["id"] for i in first["items"] + second["items"]] == [ids[2], ids[1]]
    assert second["next_cursor"] is None


def test_mark_read_and_mark_all(store, agent, lead):
    one = _notify(agent, "a")
    _notify(agent, "b")
    theirs = _notify(lead, "c")
    api = ApiClient(make_token(store, agent=agent))

    response = api.post(f"/notifications/{one.pk}/read")
    assert response.status_code == 200
    assert response.json()["read_at"] is not None

    assert api.post("/notifications/read").json() == {"marked": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_another_agents_or_stores_notification_is_not_found(store, other_store, agent, lead):
    theirs = _notify(lead, "c")
    foreign = _notify(make_agent(other_store), "d")
    api = ApiClient(make_token(store, agent=agent))

    responses = [api.post(f"/notifications/{theirs.pk}/read"), api.post(f"/notifications/{foreign.pk}/read")]

    assert [(r.status_code, r.json()["code"]) for r in responses] == [(404, "not_found")] * 2
    assert Notification.objects.filter(read_at__isnull=False).count() == 0


def test_integration_token_gets_a_clear_403(store, agent):
    own = _notify(agent, "a")
    api = ApiClient(make_token(store))

    responses = [
        api.get("/notifications"),
        api.post(f"/notifications/{own.pk}/read"),
        api.post("/notifications/read"),
    ]

    for response in responses:
        assert response.status_code == 403
        assert response.json() == {
            "code": "agent_token_required",
            "message": "Notifications belong to an agent: use an agent's personal API token.",
            "field": None,
        }


def test_scopes(store, agent):
    reader = ApiClient(make_token(store, agent=agent, scopes=(Scope.CONVERSATIONS_READ,)))

    assert reader.get("/notifications").status_code == 200
    assert reader.post("/notifications/read").json()["code"] == "insufficient_scope"
