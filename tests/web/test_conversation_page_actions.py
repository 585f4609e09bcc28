"""Every POST of the conversation page: exact DB effects, events, fragments, and 4xx errors."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import make_agent, make_conversation, make_team
from zabota.conversations import actions
from zabota.conversations.models import Conversation, ConversationEvent, Macro, Message
from zabota.customers.models import CustomerNote
from zabota.stores.actors import Actor

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true", "HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def conv(store):
    return make_conversation(store, text="Где мой заказ 1042?")


@pytest.fixture
def logged_in(client, agent):
    client.force_login(agent.user)
    return client


def _post(client, conversation: Conversation, name: str, data: dict | None = None, **extra):
    url = reverse(f"conversation_{name}", kwargs={"number": conversation.number})
    return client.post(url, data or {}, **{**HX, **extra})


def _events(conversation: Conversation) -> list[str]:
    return list(ConversationEvent.objects.filter(conversation=conversation).values_list("type", flat=True))


def test_reply_sends_message_and_swaps_thread_timeline_properties(logged_in, conv, agent):
    response = _post(logged_in, conv, "reply", {"text": "Заказ уже в пути", "then": ""})

    html = response.content.decode()
    conv.refresh_from_db()
    outbound = Message.objects.get(conversation=conv, direction="outbound")
    assert response.status_code == 200
    assert outbound.text == "Заказ уже в пути"
    assert outbound.author_agent == agent
    assert conv.status == "open"
    assert conv.assignee == agent
    assert _events(conv)[-3:] == ["assigned", "replied", "status_changed"]
    assert "Reply sent." in html
    for part in ("thread", "timeline", "properties", "conv-header", "reply-box", "targets"):
        assert f'id="{part}"' in html
    assert html.count('hx-swap-oob="true"') == 6
    assert "Ольга Агентова replied" in html


@pytest.mark.parametrize("then", ["pending", "solved"])
def test_reply_and_set_status(logged_in, conv, then):
    response = _post(logged_in, conv, "reply", {"text": "Готово", "then": then})

    conv.refresh_from_db()
    assert response.status_code == 200
    assert conv.status == then


def test_reply_with_attachment(logged_in, conv):
    upload = SimpleUploadedFile("label.pdf", b"%PDF-1.4", content_type="application/pdf")

    response = _post(logged_in, conv, "reply", {"text": "Накладная во вложении", "files": upload})

    message = Message.objects.get(conversation=conv, direction="outbound")
    assert response.status_code == 200
    assert list(message.attachments.values_list("filename", "size")) == [("label.pdf", 8)]


def test_empty_reply_is_400_fragment_and_writes_nothing(logged_in, conv):
    response = _post(logged_in, conv, "reply", {"text": "   "})

    assert response.status_code == 400
    assert response["HX-Retarget"] == "#flash"
    assert b"alert-error" in response.content
    assert Message.objects.filter(conversation=conv, direction="outbound").count() == 0


def test_reply_with_unknown_then_is_400(logged_in, conv):
    response = _post(logged_in, conv, "reply", {"text": "Ок", "then": "closed-forever"})

    assert response.status_code == 400
    assert Message.objects.filter(conversation=conv, direction="outbound").count() == 0


def test_note_is_internal(logged_in, conv):
    response = _post(logged_in, conv, "note", {"text": "Клиент звонил дважды"})

    note = Message.objects.get(conversation=conv, direction="note")
    assert response.status_code == 200
    assert note.text == "Клиент звонил дважды"
    assert _events(conv)[-1] == "note_added"
    assert "msg msg-note" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "field", "value"),
    [
        ("status", "status", "pending"),
        ("priority", "priority", "urgent"),
        ("category", "category", "delivery"),
    ],
    ids=["status", "priority", "category"],
)
def test_set_choice_fields(logged_in, conv, agent, name, field, value):
    response = _post(logged_in, conv, name, {field: value})

    conv.refresh_from_db()
    event = ConversationEvent.objects.filter(conversation=conv).last()
    assert response.status_code == 200
    assert getattr(conv, field) == value
    assert (event.type, event.actor_agent, event.payload["to"]) == (f"{field}_changed", agent, value)


@pytest.mark.parametrize("name", ["status", "priority", "category"])
def test_set_choice_bad_value_is_400(logged_in, conv, name):
    response = _post(logged_in, conv, name, {name: "nonsense"})

    assert response.status_code == 400
    assert b"alert-error" in response.content


def test_set_subject(logged_in, conv):
    _post(logged_in, conv, "subject", {"subject": "Задержка заказа 1042"})

    conv.refresh_from_db()
    assert conv.subject == "Задержка заказа 1042"
    assert _events(conv)[-1] == "subject_changed"


def test_take_conversation_and_release(logged_in, conv, agent):
    take = _post(logged_in, conv, "assign", {"assignee": "me"})
    conv.refresh_from_db()
    assert (take.status_code, conv.assignee) == (200, agent)
    assert "Ольга Агентова took the conversation" in take.content.decode()

    release = _post(logged_in, conv, "assign", {"assignee": ""})
    conv.refresh_from_db()
    assert (release.status_code, conv.assignee) == (200, None)


def test_agent_role_cannot_assign_others_403(logged_in, conv, lead):
    response = _post(logged_in, conv, "assign", {"assignee": str(lead.pk)})

    conv.refresh_from_db()
    assert response.status_code == 403
    assert b"alert-error" in response.content
    assert conv.assignee is None


def test_lead_assigns_another_agent(client, conv, lead, agent):
    client.force_login(lead.user)

    response = _post(client, conv, "assign", {"assignee": str(agent.pk)})

    conv.refresh_from_db()
    assert response.status_code == 200
    assert conv.assignee == agent
    assert "Лидия Старшая assigned to Ольга Агентова" in response.content.decode()


def test_assign_to_other_store_agent_is_404_and_garbage_is_400(logged_in, conv, other_store):
    stranger = make_agent(other_store)

    assert _post(logged_in, conv, "assign", {"assignee": str(stranger.pk)}).status_code == 404
    assert _post(logged_in, conv, "assign", {"assignee": "abc"}).status_code == 400


def test_set_team(logged_in, store, conv):
    team = make_team(store, "Возвраты")

    _post(logged_in, conv, "team", {"team": str(team.pk)})

    conv.refresh_from_db()
    assert conv.team == team
    assert _events(conv)[-1] == "team_changed"


def test_set_tags(logged_in, conv):
    _post(logged_in, conv, "tags", {"tags": "Доставка, срочно,  доставка"})

    assert sorted(conv.tags.values_list("name", flat=True)) == ["доставка", "срочно"]
    event = ConversationEvent.objects.filter(conversation=conv).last()
    assert event.payload == {"added": ["доставка", "срочно"], "removed": []}


def test_transfer_with_reason(logged_in, store, conv, lead):
    team = make_team(store, "L2")

    response = _post(
        logged_in,
        conv,
        "transfer",
        {"to_agent": str(lead.pk), "to_team": str(team.pk), "reason": "Нужен старший"},
    )

    conv.refresh_from_db()
    assert response.status_code == 200
    assert (conv.assignee, conv.team, conv.transfer_count) == (lead, team, 1)
    assert (
        "Ольга Агентова transferred to Лидия Старшая, L2 (reason: Нужен старший)" in response.content.decode()
    )


def test_transfer_without_target_is_400(logged_in, conv):
    response = _post(logged_in, conv, "transfer", {"reason": "куда-нибудь"})

    assert response.status_code == 400
    conv.refresh_from_db()
    assert conv.transfer_count == 0


def test_escalate_to_l2_agent(logged_in, conv, lead):
    response = _post(logged_in, conv, "escalate", {"to_agent": str(lead.pk), "reason": "Сбой оплаты"})

    conv.refresh_from_db()
    assert response.status_code == 200
    assert (conv.tier, conv.assignee) == ("l2", lead)
    assert _events(conv)[-1] == "escalated"


def test_escalate_twice_is_409(logged_in, conv):
    _post(logged_in, conv, "escalate", {"reason": "раз"})

    response = _post(logged_in, conv, "escalate", {"reason": "два"})

    assert response.status_code == 409
    assert _events(conv).count("escalated") == 1


def test_escalate_to_l1_agent_is_400(logged_in, store, conv):
    l1 = make_agent(store, tier="l1")

    assert _post(logged_in, conv, "escalate", {"to_agent": str(l1.pk)}).status_code == 400


def test_merge_into_another_conversation_redirects(logged_in, store, conv):
    target = make_conversation(store, channel="email", text="Второе письмо")

    response = _post(logged_in, conv, "merge", {"target": str(target.number)})

    conv.refresh_from_db()
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("conversation", kwargs={"number": target.number})
    assert conv.merged_into == target
    assert Message.objects.filter(conversation=target).count() == 2


def test_merge_errors(logged_in, store, other_store, conv):
    foreign = make_conversation(other_store)
    foreign_only = make_conversation(other_store)

    assert _post(logged_in, conv, "merge", {"target": ""}).status_code == 400
    assert _post(logged_in, conv, "merge", {"target": str(conv.number)}).status_code == 400
    assert _post(logged_in, conv, "merge", {"target": str(foreign_only.number)}).status_code == 404
    assert foreign.merged_into is None
    conv.refresh_from_db()
    assert conv.merged_into is None


@pytest.fixture
def macro(store, admin):
    return actions.save_macro(
        store=store,
        by=Actor.of_agent(admin),
        name="Трек-номер",
        text="{customer.first_name}, ваш заказ передан в доставку. {agent.first_name}",
        actions={"set_status": "pending", "add_tags": ["трек"]},
    )


def test_macro_preview_renders_text_without_writing(logged_in, conv, macro):
    before = _events(conv)

    response = _post(logged_in, conv, "macro_preview", {"macro": str(macro.pk)})

    first_name = conv.customer.display_name.split(" ")[0]
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<textarea id="reply-text"')
    assert f"{first_name}, ваш заказ передан в доставку. Ольга" in html
    assert _events(conv) == before


def test_macro_apply_sends_and_runs_actions(logged_in, conv, macro):
    response = _post(logged_in, conv, "macro_apply", {"macro": str(macro.pk)})

    conv.refresh_from_db()
    assert response.status_code == 200
    assert conv.status == "pending"
    assert list(conv.tags.values_list("name", flat=True)) == ["трек"]
    assert Message.objects.filter(conversation=conv, direction="outbound").count() == 1
    assert Macro.objects.get(pk=macro.pk).usage_count == 1
    assert "macro_applied" in _events(conv)


def test_macro_of_other_store_is_404_and_missing_is_400(logged_in, conv, other_store):
    foreign = Macro.objects.create(store=other_store, name="Чужой", text="x")

    assert _post(logged_in, conv, "macro_apply", {"macro": str(foreign.pk)}).status_code == 404
    assert _post(logged_in, conv, "macro_preview", {"macro": ""}).status_code == 400


def test_customer_note(logged_in, conv, agent):
    response = _post(logged_in, conv, "customer_note", {"text": "Предпочитает звонки"})

    note = CustomerNote.objects.get(customer=conv.customer)
    assert response.status_code == 200
    assert (note.text, note.author) == ("Предпочитает звонки", agent)
    assert 'id="customer-panel"' in response.content.decode()


def test_empty_customer_note_is_400(logged_in, conv):
    assert _post(logged_in, conv, "customer_note", {"text": " "}).status_code == 400
    assert CustomerNote.objects.count() == 0


@pytest.mark.parametrize(
    "name",
    [
        "reply",
        "note",
        "status",
        "priority",
        "category",
        "subject",
        "assign",
        "team",
        "tags",
        "transfer",
        "escalate",
        "merge",
        "macro_preview",
        "macro_apply",
        "customer_note",
    ],
)
def test_every_action_404s_for_other_store_number(logged_in, other_store, name):
    foreign = make_conversation(other_store)

    response = _post(logged_in, foreign, name, {"text": "x", "status": "open"})

    assert response.status_code == 404
    assert Message.objects.filter(conversation=foreign).count() == 1


def test_get_on_action_is_405(logged_in, conv):
    response = logged_in.get(reverse("conversation_status", kwargs={"number": conv.number}))

    assert response.status_code == 405


def test_plain_form_post_without_htmx_redirects_back(logged_in, conv):
    response = logged_in.post(
        reverse("conversation_priority", kwargs={"number": conv.number}), {"priority": "high"}
    )

    conv.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("conversation", kwargs={"number": conv.number})
    assert conv.priority == "high"


def test_csrf_is_enforced_and_header_token_works(store, agent, conv):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(agent.user)
    page = client.get(reverse("conversation", kwargs={"number": conv.number}))
    token = page.cookies["csrftoken"].value
    url = reverse("conversation_priority", kwargs={"number": conv.number})

    refused = client.post(url, {"priority": "high"}, **HX)
    accepted = client.post(url, {"priority": "high"}, HTTP_X_CSRFTOKEN=token, **HX)

    assert refused.status_code == 403
    assert accepted.status_code == 200
