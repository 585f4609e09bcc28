"""Agents, teams, tags, macros, scripts and webhooks through the API."""

from __future__ import annotations

from tests.factories import make_agent, make_conversation, make_customer, make_team
from zabota.conversations import actions
from zabota.stores.actors import Actor
from zabota.webhooks.models import WebhookDelivery, WebhookSubscription


def test_agents_and_teams(api, store):
    team = make_team(store, name="Доставка")
    agent = make_agent(store, name="Ольга", tier="l2")
    agent.teams.add(team)
    agents = api.get("/agents").json()
    assert agents == {
        "items": [
            {
                "id": agent.pk,
                "display_name": "Ольга",
                "role": "agent",
                "tier": "l2",
                "capacity": 5,
                "is_active": True,
                "team_ids": [team.pk],
            }
        ],
        "next_cursor": None,
    }
    assert api.get("/teams").json() == {
        "items": [{"id": team.pk, "name": "Доставка", "description": ""}],
        "next_cursor": None,
    }


def test_tags_macros_scripts(api, store):
    system = Actor.system()
    conversation = make_conversation(store)
    actions.set_tags(conversation=conversation, names=["доставка"], by=system)
    macro = actions.save_macro(
        store=store, by=system, name="Привет", text="Здравствуйте!", actions={"set_status": "pending"}
    )
    script = actions.save_script(
        store=store,
        by=system,
        name="Возврат",
        category="return",
        channel="phone",
        steps=[("Приветствие", "Представьтесь"), ("Заказ", "Спросите номер")],
    )
    assert [t["name"] for t in api.get("/tags").json()["items"]] == ["доставка"]
    assert api.get("/macros").json()["items"] == [
        {
            "id": macro.pk,
            "name": "Привет",
            "text": "Здравствуйте!",
            "actions": {"set_status": "pending"},
            "is_active": True,
            "usage_count": 0,
        }
    ]
    assert api.get("/scripts").json()["items"] == [
        {
            "id": script.pk,
            "name": "Возврат",
            "category": "return",
            "channel": "phone",
            "is_active": True,
            "steps": [
                {"position": 1, "title": "Приветствие", "text": "Представьтесь"},
                {"position": 2, "title": "Заказ", "text": "Спросите номер"},
            ],
        }
    ]


def test_webhook_lifecycle(api, store):
    created = api.post("/webhooks", {"url": "https://crm.example.ru/hook", "events": ["customer.created"]})
    assert created.status_code == 201, created.content
    subscription = WebhookSubscription.objects.get()
    assert created.json()["secret"] == subscription.secret
    assert created.json()["secret"].startswith("whsec_")
    listed = api.get("/webhooks").json()["items"]
    assert [s["id"] for s in listed] == [subscription.pk]
    assert "secret" not in listed[0]

    patched = api.patch(f"/webhooks/{subscription.pk}", {"is_active": False, "description": "CRM"})
    assert (patched.json()["is_active"], patched.json()["description"], patched.json()["url"]) == (
        False,
        "CRM",
        "https://crm.example.ru/hook",
    )
    assert "secret" not in patched.json()

    api.patch(f"/webhooks/{subscription.pk}", {"is_active": True})
    make_customer(store)
    delivery = WebhookDelivery.objects.get()
    deliveries = api.get(f"/webhooks/{subscription.pk}/deliveries").json()["items"]
    assert [(d["id"], d["event"], d["status"]) for d in deliveries] == [
        (delivery.pk, "customer.created", "pending")
    ]
    redelivered = api.post(f"/webhooks/deliveries/{delivery.pk}/redeliver")
    assert (redelivered.status_code, redelivered.json()["id"]) == (202, delivery.pk)

    assert api.delete(f"/webhooks/{subscription.pk}").status_code == 204
    assert WebhookSubscription.objects.count() == 0


def test_webhook_validation(api, store):
    bad_url = api.post("/webhooks", {"url": "ftp://x", "events": ["customer.created"]})
    assert (bad_url.status_code, bad_url.json()["field"]) == (400, "url")
    bad_event = api.post("/webhooks", {"url": "https://x.ru/h", "events": ["order.eaten"]})
    assert (bad_event.status_code, bad_event.json()["field"]) == (400, "events")
