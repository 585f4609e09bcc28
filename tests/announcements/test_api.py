"""API: an agent's announcements, acknowledging, and the public incidents endpoint."""

from __future__ import annotations

import pytest

from tests.announcements.helpers import hours, publish
from tests.api.conftest import ApiClient
from tests.factories import make_agent, make_team, make_token
from zabota.announcements.models import Acknowledgement
from zabota.stores.actors import Actor
from zabota.stores.models import Scope

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _api_urls(settings):
    settings.ROOT_URLCONF = "tests.api.urls"


@pytest.fixture
def agent_api(agent):
    return ApiClient(make_token(agent.store, agent=agent))


def test_list_gives_the_agents_active_announcements_with_receipts(store, agent, lead, agent_api):
    # given
    by = Actor.of_agent(lead)
    seen = publish(store, by, title="Прочитано", starts_at=hours(-1))
    fresh = publish(store, by, title="Свежее", must_read=True, kind="delay", severity="warning")
    publish(store, by, title="Другой команде", audience="teams", teams=[make_team(store, "Вторая линия")])
    publish(store, by, title="Потом", starts_at=hours(5))
    agent_api.post(f"/announcements/{seen.pk}/acknowledge")

    # when
    response = agent_api.get("/announcements")

    # then
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["id"], i["title"], i["must_read"]) for i in items] == [
        (fresh.pk, "Свежее", True),
        (seen.pk, "Прочитано", False),
    ]
    assert (items[0]["kind"], items[0]["severity"], items[0]["acknowledged_at"]) == ("delay", "warning", None)
    assert items[1]["acknowledged_at"] is not None


def test_acknowledge_is_idempotent_and_recorded(store, agent, lead, agent_api):
    announcement = publish(store, Actor.of_agent(lead), must_read=True)

    first = agent_api.post(f"/announcements/{announcement.pk}/acknowledge")
    second = agent_api.post(f"/announcements/{announcement.pk}/acknowledge")

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json()
    assert first.json()["announcement_id"] == announcement.pk
    receipt = Acknowledgement.objects.get()
    assert (receipt.agent_id, receipt.acknowledged_at is not None) == (agent.pk, True)


def test_other_stores_and_invisible_ids_are_not_found(store, other_store, lead, agent_api):
    foreign = publish(other_store, title="Чужое")
    team_only = publish(
        store, Actor.of_agent(lead), audience="teams", teams=[make_team(store, "Возвраты")], title="Не вам"
    )

    for announcement_id in (foreign.pk, team_only.pk, 2**63, 0):
        response = agent_api.post(f"/announcements/{announcement_id}/acknowledge")
        assert response.status_code == 404, announcement_id
        assert response.json()["code"] == "not_found"
    assert Acknowledgement.objects.count() == 0


def test_integration_tokens_are_told_to_use_an_agent_token(store):
    response = ApiClient(make_token(store)).get("/announcements")
    assert response.status_code == 400
    assert response.json()["code"] == "agent_token_required"


def test_acknowledging_needs_the_write_scope_and_a_token(store, agent, lead):
    announcement = publish(store, Actor.of_agent(lead), must_read=True)
    read_only = ApiClient(make_token(store, agent=agent, scopes=(Scope.CONVERSATIONS_READ,)))

    assert read_only.get("/announcements").status_code == 200
    assert read_only.post(f"/announcements/{announcement.pk}/acknowledge").status_code == 403
    assert ApiClient(None).get("/announcements").status_code == 401
    assert Acknowledgement.objects.count() == 0


def test_deactivated_agents_token_is_refused(store, lead):
    gone = make_agent(store, is_active=False)
    assert ApiClient(make_token(store, agent=gone)).get("/announcements").status_code == 401


def test_public_incidents_show_only_the_text_for_customers(store, other_store, lead):
    # given an incident with internal details, a non-incident, and another store's incident
    by = Actor.of_agent(lead)
    ends = hours(30).replace(microsecond=0)
    publish(
        store,
        by,
        title="ВНУТРЕННЕЕ: склад закрыт",
        body="СЕКРЕТ: подрядчик сорвал сроки",
        kind="delay",
        severity="warning",
        is_incident=True,
        public_text="Из-за снегопада доставка задерживается на 1–2 дня",
        ends_at=ends,
    )
    publish(store, by, title="Только агентам", body="внутреннее")
    publish(other_store, title="Чужой", is_incident=True, public_text="Чужой текст")

    # when: no token at all
    response = ApiClient(None).get(f"/public/{store.slug}/incidents")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "items": [
            {
                "text": "Из-за снегопада доставка задерживается на 1–2 дня",
                "severity": "warning",
                "ends_at": ends.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        ]
    }
    raw = response.content.decode()
    for secret in ("ВНУТРЕННЕЕ", "СЕКРЕТ", "Только агентам", "Чужой", "title", "body"):
        assert secret not in raw
    assert response["Access-Control-Allow-Origin"] == "*"


def test_public_incidents_of_an_unknown_store_are_not_found():
    response = ApiClient(None).get("/public/no-such-store/incidents")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_public_incidents_of_a_store_without_incidents_is_an_empty_list(store):
    response = ApiClient(None).get(f"/public/{store.slug}/incidents")
    assert (response.status_code, response.json()) == (200, {"items": []})
