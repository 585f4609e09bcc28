"""Macros (render, apply, save, delete) and scripts (save, delete)."""

from __future__ import annotations

import pytest

from tests.conversations.helpers import delivered, last_event_id, subscribe, timeline
from tests.factories import make_conversation, make_customer
from zabota.conversations import actions
from zabota.conversations.actions.macros import placeholder_values
from zabota.conversations.models import Macro, Message, Script, ScriptStep
from zabota.core.errors import Conflict, InvalidInput
from zabota.customers.actions import update_customer
from zabota.stores.actors import Actor


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Здравствуйте, {customer.first_name}!", "Здравствуйте, Ирина!"),
        ("Заказ {order.number} / {customer.age}", "Заказ {order.number} / {customer.age}"),
        (
            "{agent.name}, магазин «{store.name}», обращение №{conversation.number}",
            "Ольга Агентова, магазин «Пример», обращение №1",
        ),
        ("{ customer.first_name }", "{ customer.first_name }"),
        ("", ""),
    ],
    ids=["known", "unknown-stays-visible", "several", "not-a-placeholder", "empty"],
)
def test_render(store, agent, text, expected):
    customer = make_customer(store, name="Ирина Петрова")
    conversation = make_conversation(store, customer=customer)
    assert actions.render(text, placeholder_values(conversation, agent)) == expected


def test_first_name_falls_back_to_the_display_name(store, agent):
    customer = make_customer(store, name="")
    update_customer(customer=customer, by=Actor.system(), name="", first_name="Пётр", last_name="Сидоров")
    conversation = make_conversation(store, customer=customer)
    values = placeholder_values(conversation, None)
    assert (values["customer.first_name"], values["customer.name"], values["agent.name"]) == (
        "Пётр",
        "Пётр Сидоров",
        "",
    )


def test_apply_macro_sends_and_runs_actions_in_order(store, agent, lead, django_capture_on_commit_callbacks):
    # given
    macro = actions.save_macro(
        store=store,
        by=Actor.of_agent(lead),
        name="Возврат: инструкция",
        text="{customer.first_name}, оформите возврат в личном кабинете.",
        actions={
            "set_status": "pending",
            "add_tags": ["Возврат"],
            "assign": "me",
            "set_priority": "high",
            "set_category": "return",
        },
    )
    conversation = make_conversation(store, customer=make_customer(store, name="Ирина Петрова"))
    subscription = subscribe(store)
    before = last_event_id()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        text = actions.apply_macro(conversation=conversation, macro=macro, by=Actor.of_agent(agent))
    # then
    assert text == "Ирина, оформите возврат в личном кабинете."
    reply = Message.objects.get(direction="outbound")
    assert reply.text == text
    conversation.refresh_from_db()
    assert (conversation.status, conversation.priority, conversation.category, conversation.assignee_id) == (
        "pending",
        "high",
        "return",
        agent.pk,
    )
    assert list(conversation.tags.values_list("name", flat=True)) == ["возврат"]
    a = agent.pk
    assert timeline(conversation, after=before) == [
        ("macro_applied", "agent", a, {"macro_id": macro.pk, "macro_name": "Возврат: инструкция"}),
        ("assigned", "agent", a, {"from": None, "to": a, "to_name": "Ольга Агентова"}),
        ("replied", "agent", a, {"message_id": reply.pk}),
        ("status_changed", "agent", a, {"from": "new", "to": "open"}),
        ("tags_changed", "agent", a, {"added": ["возврат"], "removed": []}),
        ("priority_changed", "agent", a, {"from": "normal", "to": "high"}),
        ("category_changed", "agent", a, {"from": "other", "to": "return"}),
        ("status_changed", "agent", a, {"from": "open", "to": "pending"}),
    ]
    macro.refresh_from_db()
    assert macro.usage_count == 1
    assert delivered(subscription) == [
        "conversation.updated",  # the reply assigns the unassigned conversation to its author
        "conversation.updated",
        "conversation.status_changed",
        "message.created",
        "conversation.updated",
        "conversation.updated",
        "conversation.updated",
        "conversation.updated",
        "conversation.status_changed",
    ]


def test_apply_macro_without_sending_returns_the_text(store, agent, lead):
    macro = actions.save_macro(
        store=store,
        by=Actor.of_agent(lead),
        name="Приветствие",
        text="Добрый день, {customer.name}!",
        actions={"assign": lead.pk},
    )
    conversation = make_conversation(store, customer=make_customer(store, name="Анна"))
    before = last_event_id()
    text = actions.apply_macro(conversation=conversation, macro=macro, by=Actor.of_agent(lead), send=False)
    assert text == "Добрый день, Анна!"
    assert Message.objects.filter(direction="outbound").count() == 0
    assert [row[0] for row in timeline(conversation, after=before)] == ["macro_applied", "assigned"]


def test_apply_macro_is_atomic(store, agent, lead):
    # an agent may not assign a colleague: the whole macro rolls back, reply included
    macro = actions.save_macro(
        store=store, by=Actor.of_agent(lead), name="Лиде", text="Передаю", actions={"assign": lead.pk}
    )
    conversation = make_conversation(store)
    before = last_event_id()
    with pytest.raises(Exception, match="team lead"):
        actions.apply_macro(conversation=conversation, macro=macro, by=Actor.of_agent(agent))
    assert timeline(conversation, after=before) == []
    assert Message.objects.filter(direction="outbound").count() == 0
    macro.refresh_from_db()
    assert macro.usage_count == 0


@pytest.mark.parametrize("case", ["inactive", "other-store"], ids=["inactive", "other-store"])
def test_unavailable_macro(store, other_store, lead, case):
    owner = store if case == "inactive" else other_store
    macro = Macro.objects.create(store=owner, name="М", text="Текст", is_active=case != "inactive")
    conversation = make_conversation(store)
    with pytest.raises(InvalidInput) as caught:
        actions.apply_macro(conversation=conversation, macro=macro, by=Actor.of_agent(lead))
    assert caught.value.field == "macro"


def test_save_macro_updates_and_deletes(store, lead):
    by = Actor.of_agent(lead)
    macro = actions.save_macro(
        store=store, by=by, name="  Спасибо  ", text="Спасибо!", actions={"add_tags": [], "set_priority": ""}
    )
    assert (macro.name, macro.actions, macro.created_by_id) == ("Спасибо", {}, lead.pk)
    actions.save_macro(store=store, by=by, name="Спасибо", text="Благодарим!", is_active=False, macro=macro)
    macro.refresh_from_db()
    assert (macro.text, macro.is_active) == ("Благодарим!", False)
    with pytest.raises(Conflict) as caught:
        actions.save_macro(store=store, by=by, name="Спасибо", text="Дубль")
    assert caught.value.field == "name"
    actions.delete_macro(macro=macro, by=by)
    assert Macro.objects.count() == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "  "}, "name"),
        ({"text": " ", "actions": {}}, "text"),
        ({"actions": {"close": True}}, "actions"),
        ({"actions": {"set_status": "archived"}}, "actions"),
        ({"actions": {"set_priority": "critical"}}, "actions"),
        ({"actions": {"set_category": "weather"}}, "actions"),
        ({"actions": {"add_tags": "возврат"}}, "actions"),
        ({"actions": {"assign": "him"}}, "actions"),
        ({"actions": {"assign": True}}, "actions"),
        ({"actions": ["set_status"]}, "actions"),
    ],
    ids=[
        "name",
        "nothing-to-do",
        "unknown-action",
        "status",
        "priority",
        "category",
        "tags-not-list",
        "assign-word",
        "assign-bool",
        "not-a-dict",
    ],
)
def test_save_macro_validation(store, lead, kwargs, field):
    with pytest.raises(InvalidInput) as caught:
        actions.save_macro(
            store=store, by=Actor.of_agent(lead), **{"name": "Макрос", "text": "Текст", **kwargs}
        )
    assert caught.value.field == field
    assert Macro.objects.count() == 0


def test_save_script_replaces_steps(store, lead):
    by = Actor.of_agent(lead)
    script = actions.save_script(
        store=store,
        by=by,
        name="Возврат по телефону",
        category="return",
        channel="phone",
        steps=[
            ("Поздороваться", "Представьтесь"),
            ("", ""),
            ("", "Уточните номер заказа и причину возврата"),
        ],
    )
    assert list(ScriptStep.objects.filter(script=script).values_list("position", "title", "text")) == [
        (1, "Поздороваться", "Представьтесь"),
        (2, "Уточните номер заказа и причину возврата", "Уточните номер заказа и причину возврата"),
    ]
    actions.save_script(
        store=store,
        by=by,
        name="Возврат",
        category="return",
        channel="any",
        steps=[("Шаг", "Один")],
        script=script,
    )
    assert list(ScriptStep.objects.filter(script=script).values_list("position", "title")) == [(1, "Шаг")]
    actions.delete_script(script=script, by=by)
    assert (Script.objects.count(), ScriptStep.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"category": "weather"}, "category"),
        ({"channel": "fax"}, "channel"),
        ({"steps": [(" ", " ")]}, "steps"),
    ],
    ids=["name", "category", "channel", "steps"],
)
def test_save_script_validation(store, lead, kwargs, field):
    with pytest.raises(InvalidInput) as caught:
        actions.save_script(
            store=store,
            by=Actor.of_agent(lead),
            **{
                "name": "Скрипт",
                "category": "order",
                "channel": "chat",
                "steps": [("Шаг", "Текст")],
                **kwargs,
            },
        )
    assert caught.value.field == field
    assert Script.objects.count() == 0
