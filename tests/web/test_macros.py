"""Macros and conversation scripts under /settings/: leads and admins manage, agents read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from zabota.conversations.actions import save_macro, save_script
from zabota.conversations.models import Macro, Script, ScriptStep
from zabota.stores.actors import Actor

MACRO_POST = {
    "name": "Возврат: инструкция",
    "text": "{customer.first_name}, здравствуйте! Оформить возврат можно в личном кабинете. {agent.name}",
    "is_active": "on",
    "set_status": "pending",
    "set_priority": "high",
    "set_category": "return",
    "add_tags": "возврат, , инструкция ",
    "assign": "me",
}


@pytest.fixture
def macro(store):
    return save_macro(
        store=store,
        by=Actor.system(),
        name="Спасибо",
        text="Спасибо за обращение, {customer.first_name}!",
        actions={"set_status": "solved"},
    )


@pytest.fixture
def script(store):
    return save_script(
        store=store,
        by=Actor.system(),
        name="Возврат по телефону",
        category="return",
        channel="phone",
        steps=[("Приветствие", "Представьтесь"), ("Заказ", "Уточните номер заказа")],
    )


def _steps(script) -> list[tuple[int, str, str]]:
    return list(ScriptStep.objects.filter(script=script).values_list("position", "title", "text"))


def test_agent_can_read_macros_but_not_manage(client, agent, macro):
    client.force_login(agent.user)

    response = client.get(reverse("manage:macros"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Спасибо" in body
    assert "{customer.first_name}" in body
    assert response.context["may_manage"] is False
    assert reverse("manage:macro_create") not in body
    assert reverse("manage:macro_edit", args=[macro.pk]) not in body


@pytest.mark.parametrize(
    ("name", "args", "method"),
    [
        pytest.param("manage:macro_create", [], "get", id="create-page"),
        pytest.param("manage:macro_create", [], "post", id="create"),
        pytest.param("manage:macro_edit", ["pk"], "post", id="edit"),
        pytest.param("manage:macro_set_active", ["pk"], "post", id="deactivate"),
        pytest.param("manage:macro_delete", ["pk"], "post", id="delete"),
    ],
)
def test_agent_cannot_manage_macros(client, agent, macro, name, args, method):
    client.force_login(agent.user)
    url = reverse(name, args=[macro.pk for _ in args])

    response = getattr(client, method)(url, {**MACRO_POST, "name": "Взлом"})

    assert response.status_code == 403
    assert list(Macro.objects.values_list("name", "is_active")) == [("Спасибо", True)]


@pytest.mark.parametrize("role", ["lead", "admin"])
def test_create_macro_with_actions(client, request, store, role):
    manager = request.getfixturevalue(role)
    client.force_login(manager.user)

    response = client.post(reverse("manage:macro_create"), MACRO_POST)

    assert response.status_code == 302
    macro = Macro.objects.get()
    assert (macro.store_id, macro.name, macro.text, macro.is_active, macro.created_by_id) == (
        store.pk,
        "Возврат: инструкция",
        MACRO_POST["text"],
        True,
        manager.pk,
    )
    assert macro.actions == {
        "set_status": "pending",
        "set_priority": "high",
        "set_category": "return",
        "add_tags": ["возврат", "инструкция"],
        "assign": "me",
    }


def test_create_page_lists_placeholders_and_agents(client, lead, agent):
    client.force_login(lead.user)

    response = client.get(reverse("manage:macro_create"))

    body = response.content.decode()
    assert response.status_code == 200
    for placeholder in (
        "{customer.first_name}",
        "{customer.name}",
        "{agent.name}",
        "{agent.first_name}",
        "{conversation.number}",
        "{store.name}",
    ):
        assert placeholder in body
    assert f'<option value="{agent.pk}">{agent.display_name}</option>' in body


def test_edit_macro_assigning_an_agent_and_dropping_actions(client, lead, agent, macro):
    client.force_login(lead.user)

    response = client.post(
        reverse("manage:macro_edit", args=[macro.pk]),
        {"name": "Спасибо!", "text": "Спасибо!", "assign": str(agent.pk)},
    )

    assert response.status_code == 302
    macro.refresh_from_db()
    assert (macro.name, macro.text, macro.is_active, macro.actions) == (
        "Спасибо!",
        "Спасибо!",
        False,
        {"assign": agent.pk},
    )


def test_edit_page_is_prefilled(client, lead, macro):
    client.force_login(lead.user)

    response = client.get(reverse("manage:macro_edit", args=[macro.pk]))

    form = response.context["form"]
    assert (form.initial["name"], form.initial["set_status"], form.initial["assign"]) == (
        "Спасибо",
        "solved",
        "",
    )


def test_deactivate_and_activate(client, lead, macro):
    client.force_login(lead.user)

    client.post(reverse("manage:macro_set_active", args=[macro.pk]), {"active": "0"})
    macro.refresh_from_db()
    assert macro.is_active is False

    client.post(reverse("manage:macro_set_active", args=[macro.pk]), {"active": "1"})
    macro.refresh_from_db()
    assert (macro.is_active, macro.actions) == (True, {"set_status": "solved"})


def test_delete_macro(client, admin, macro):
    client.force_login(admin.user)

    response = client.post(reverse("manage:macro_delete", args=[macro.pk]))

    assert response.status_code == 302
    assert Macro.objects.count() == 0


def test_duplicate_name_is_409(client, lead, macro):
    client.force_login(lead.user)

    response = client.post(reverse("manage:macro_create"), {**MACRO_POST, "name": "Спасибо"})

    assert response.status_code == 409
    assert response.context["form"].errors["name"]
    assert Macro.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"name": "", "text": "x"}, "name", id="no-name"),
        pytest.param({"name": "Пусто", "text": "  "}, "text", id="no-text-no-actions"),
        pytest.param({"name": "X", "text": "x", "set_status": "bogus"}, "set_status", id="bad-status"),
        pytest.param({"name": "X", "text": "x", "assign": "999999"}, "assign", id="bad-assignee"),
    ],
)
def test_bad_macro_input_is_400(client, lead, data, field):
    client.force_login(lead.user)

    response = client.post(reverse("manage:macro_create"), data)

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert Macro.objects.count() == 0


def test_another_stores_macro_is_404(client, lead, other_store):
    foreign = save_macro(store=other_store, by=Actor.system(), name="Чужой", text="x")
    client.force_login(lead.user)

    responses = [
        client.get(reverse("manage:macro_edit", args=[foreign.pk])),
        client.post(reverse("manage:macro_edit", args=[foreign.pk]), {"name": "Моё", "text": "y"}),
        client.post(reverse("manage:macro_set_active", args=[foreign.pk]), {"active": "0"}),
        client.post(reverse("manage:macro_delete", args=[foreign.pk])),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    foreign.refresh_from_db()
    assert (foreign.name, foreign.is_active) == ("Чужой", True)


# scripts


def test_agent_can_read_scripts_but_not_manage(client, agent, script):
    client.force_login(agent.user)

    page = client.get(reverse("manage:scripts"))
    create = client.post(
        reverse("manage:script_create"),
        {"name": "X", "category": "order", "channel": "any", "step_title": ["a"], "step_text": ["b"]},
    )
    delete = client.post(reverse("manage:script_delete", args=[script.pk]))

    assert page.status_code == 200
    assert "Уточните номер заказа" in page.content.decode()
    assert reverse("manage:script_create") not in page.content.decode()
    assert (create.status_code, delete.status_code) == (403, 403)
    assert list(Script.objects.values_list("name", flat=True)) == ["Возврат по телефону"]


def test_create_script_with_ordered_steps(client, lead, store):
    client.force_login(lead.user)

    response = client.post(
        reverse("manage:script_create"),
        {
            "name": "Где мой заказ",
            "category": "delivery",
            "channel": "chat",
            "is_active": "on",
            "step_title": ["Номер заказа", "", "Срок"],
            "step_text": ["Попросите номер заказа", "", "Назовите срок доставки"],
        },
    )

    assert response.status_code == 302
    script = Script.objects.get()
    assert (script.store_id, script.name, script.category, script.channel, script.is_active) == (
        store.pk,
        "Где мой заказ",
        "delivery",
        "chat",
        True,
    )
    assert _steps(script) == [
        (1, "Номер заказа", "Попросите номер заказа"),
        (2, "Срок", "Назовите срок доставки"),
    ]


def test_edit_script_replaces_steps(client, admin, script):
    client.force_login(admin.user)

    page = client.get(reverse("manage:script_edit", args=[script.pk]))
    response = client.post(
        reverse("manage:script_edit", args=[script.pk]),
        {
            "name": "Возврат",
            "category": "return",
            "channel": "any",
            "step_title": ["Заказ", "Причина", "Решение"],
            "step_text": ["Уточните номер заказа", "Спросите причину", "Предложите обмен"],
        },
    )

    assert page.context["steps"] == [("Приветствие", "Представьтесь"), ("Заказ", "Уточните номер заказа")]
    assert response.status_code == 302
    script.refresh_from_db()
    assert (script.name, script.channel, script.is_active) == ("Возврат", "any", False)
    assert _steps(script) == [
        (1, "Заказ", "Уточните номер заказа"),
        (2, "Причина", "Спросите причину"),
        (3, "Решение", "Предложите обмен"),
    ]


@pytest.mark.parametrize(
    ("data", "status"),
    [
        pytest.param({"name": "X", "category": "order", "channel": "any"}, 400, id="no-steps"),
        pytest.param(
            {"name": "X", "category": "nope", "channel": "any", "step_title": ["a"], "step_text": ["b"]},
            400,
            id="bad-category",
        ),
        pytest.param(
            {"name": "", "category": "order", "channel": "any", "step_title": ["a"], "step_text": ["b"]},
            400,
            id="no-name",
        ),
    ],
)
def test_bad_script_input_is_4xx_and_keeps_the_steps(client, lead, data, status):
    client.force_login(lead.user)

    response = client.post(reverse("manage:script_create"), data)

    assert response.status_code == status
    assert response.context["form"].errors
    assert Script.objects.count() == 0


def test_delete_script(client, lead, script):
    client.force_login(lead.user)

    response = client.post(reverse("manage:script_delete", args=[script.pk]))

    assert response.status_code == 302
    assert (Script.objects.count(), ScriptStep.objects.count()) == (0, 0)


def test_another_stores_script_is_404(client, lead, other_store):
    foreign = save_script(
        store=other_store,
        by=Actor.system(),
        name="Чужой",
        category="order",
        channel="any",
        steps=[("a", "b")],
    )
    client.force_login(lead.user)

    responses = [
        client.get(reverse("manage:script_edit", args=[foreign.pk])),
        client.post(
            reverse("manage:script_edit", args=[foreign.pk]),
            {"name": "Моё", "category": "order", "channel": "any", "step_title": ["x"], "step_text": ["y"]},
        ),
        client.post(reverse("manage:script_delete", args=[foreign.pk])),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    foreign.refresh_from_db()
    assert foreign.name == "Чужой"


def test_old_stores_names_point_to_the_manage_pages(client, agent):
    assert reverse("stores:macros") == reverse("manage:macros")
    assert reverse("stores:scripts") == reverse("manage:scripts")
