"""assign, set_team, transfer, escalate, set_status/priority/category/subject and tags."""

from __future__ import annotations

import pytest

from tests.conversations.helpers import delivered, last_event_id, subscribe, timeline
from tests.factories import make_agent, make_conversation, make_team
from zabota.conversations import actions
from zabota.conversations.models import ConversationEvent, Tag
from zabota.core.errors import Conflict, InvalidInput, PermissionDenied
from zabota.core.realtime import RealtimeEvent
from zabota.stores.actors import Actor
from zabota.webhooks.models import WebhookDelivery


@pytest.fixture
def conversation(store):
    return make_conversation(store, text="Не проходит оплата")


@pytest.fixture
def watch(store, conversation, published):
    """Start watching after the conversation exists: returns the first new event id and the subscription."""
    subscription = subscribe(store)
    published.clear()
    return last_event_id(), subscription


def _updated(store, conversation, changes):
    return RealtimeEvent(
        store.pk, "conversation.updated", "agents", {"conversation_id": conversation.pk, "changes": changes}
    )


def test_lead_assigns_another_agent(
    store, conversation, lead, agent, watch, published, django_capture_on_commit_callbacks
):
    before, subscription = watch
    with django_capture_on_commit_callbacks(execute=True):
        actions.assign(conversation=conversation, to=agent, by=Actor.of_agent(lead))
    conversation.refresh_from_db()
    assert conversation.assignee_id == agent.pk
    assert timeline(conversation, after=before) == [
        ("assigned", "agent", lead.pk, {"from": None, "to": agent.pk, "to_name": "Ольга Агентова"})
    ]
    assert published == [_updated(store, conversation, {"assignee_id": [None, agent.pk]})]
    assert delivered(subscription) == ["conversation.updated"]
    assert WebhookDelivery.objects.get().payload["data"]["changes"] == {"assignee_id": [None, agent.pk]}


def test_agent_takes_and_releases(conversation, agent, watch):
    before, _subscription = watch
    actions.assign(conversation=conversation, to=agent, by=Actor.of_agent(agent))
    actions.assign(conversation=conversation, to=agent, by=Actor.of_agent(agent))  # no change, no event
    actions.assign(conversation=conversation, to=None, by=Actor.of_agent(agent))
    conversation.refresh_from_db()
    assert conversation.assignee_id is None
    assert timeline(conversation, after=before) == [
        ("assigned", "agent", agent.pk, {"from": None, "to": agent.pk, "to_name": "Ольга Агентова"}),
        ("assigned", "agent", agent.pk, {"from": agent.pk, "to": None, "to_name": ""}),
    ]


def test_agent_cannot_assign_another_agent(store, conversation, agent, watch):
    before, _subscription = watch
    colleague = make_agent(store)
    with pytest.raises(PermissionDenied):
        actions.assign(conversation=conversation, to=colleague, by=Actor.of_agent(agent))
    conversation.refresh_from_db()
    assert conversation.assignee_id is None
    assert timeline(conversation, after=before) == []


@pytest.mark.parametrize("case", ["other-store", "deactivated"], ids=["other-store", "deactivated"])
def test_assignee_must_be_an_active_agent_of_the_store(store, other_store, conversation, lead, case):
    to = make_agent(other_store) if case == "other-store" else make_agent(store, is_active=False)
    with pytest.raises(InvalidInput) as caught:
        actions.assign(conversation=conversation, to=to, by=Actor.of_agent(lead))
    assert caught.value.field == "assignee"
    conversation.refresh_from_db()
    assert conversation.assignee_id is None


def test_set_team(
    store, other_store, conversation, agent, watch, published, django_capture_on_commit_callbacks
):
    before, subscription = watch
    team = make_team(store, "Доставка")
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_team(conversation=conversation, team=team, by=Actor.of_agent(agent))
    conversation.refresh_from_db()
    assert conversation.team_id == team.pk
    assert timeline(conversation, after=before) == [
        ("team_changed", "agent", agent.pk, {"from": None, "to": team.pk, "to_name": "Доставка"})
    ]
    assert published == [_updated(store, conversation, {"team_id": [None, team.pk]})]
    assert delivered(subscription) == ["conversation.updated"]
    with pytest.raises(InvalidInput) as caught:
        actions.set_team(conversation=conversation, team=make_team(other_store), by=Actor.of_agent(agent))
    assert caught.value.field == "team"


def test_transfer_to_a_team_queue(
    store, conversation, agent, watch, published, django_capture_on_commit_callbacks
):
    before, subscription = watch
    team = make_team(store, "Оплата")
    actions.assign(conversation=conversation, to=agent, by=Actor.of_agent(agent))
    after_assign = last_event_id()
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.transfer(
            conversation=conversation, to_team=team, reason="  Вопрос по оплате  ", by=Actor.of_agent(agent)
        )
    conversation.refresh_from_db()
    assert (conversation.assignee_id, conversation.team_id, conversation.transfer_count) == (None, team.pk, 1)
    assert timeline(conversation, after=after_assign) == [
        (
            "transferred",
            "agent",
            agent.pk,
            {
                "from_agent": agent.pk,
                "from_team": None,
                "to_agent": None,
                "to_agent_name": "",
                "to_team": team.pk,
                "to_team_name": "Оплата",
                "reason": "Вопрос по оплате",
            },
        )
    ]
    assert published == [
        _updated(store, conversation, {"assignee_id": [agent.pk, None], "team_id": [None, team.pk]})
    ]
    assert delivered(subscription) == ["conversation.updated", "conversation.updated"]
    assert len(timeline(conversation, after=before)) == 2


def test_transfer_to_an_agent(store, conversation, agent, lead):
    actions.transfer(conversation=conversation, to_agent=lead, by=Actor.of_agent(agent))
    conversation.refresh_from_db()
    assert (conversation.assignee_id, conversation.team_id, conversation.transfer_count) == (lead.pk, None, 1)


def test_transfer_needs_a_target(conversation, agent, watch):
    before, _subscription = watch
    with pytest.raises(InvalidInput) as caught:
        actions.transfer(conversation=conversation, by=Actor.of_agent(agent))
    assert caught.value.field == "to_agent"
    assert timeline(conversation, after=before) == []


def test_escalate_to_l2(
    store, conversation, agent, lead, watch, published, django_capture_on_commit_callbacks
):
    before, subscription = watch
    actions.assign(conversation=conversation, to=agent, by=Actor.of_agent(agent))
    after_assign = last_event_id()
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.escalate(
            conversation=conversation, reason="Нужен доступ к платёжке", by=Actor.of_agent(agent)
        )
    conversation.refresh_from_db()
    assert (conversation.tier, conversation.assignee_id) == ("l2", None)
    assert timeline(conversation, after=after_assign) == [
        (
            "escalated",
            "agent",
            agent.pk,
            {
                "from": "l1",
                "to": "l2",
                "reason": "Нужен доступ к платёжке",
                "from_agent": agent.pk,
                "to_agent": None,
                "to_agent_name": "",
            },
        )
    ]
    assert published == [
        _updated(store, conversation, {"tier": ["l1", "l2"], "assignee_id": [agent.pk, None]})
    ]
    assert delivered(subscription) == ["conversation.updated", "conversation.updated"]
    with pytest.raises(Conflict) as caught:
        actions.escalate(conversation=conversation, by=Actor.of_agent(lead))
    assert caught.value.field == "tier"
    assert len(timeline(conversation, after=before)) == 2


def test_escalate_to_an_l2_agent_only(conversation, agent, lead):
    with pytest.raises(InvalidInput) as caught:
        actions.escalate(conversation=conversation, to_agent=agent, by=Actor.of_agent(agent))
    assert caught.value.field == "to_agent"
    actions.escalate(conversation=conversation, to_agent=lead, by=Actor.of_agent(agent))
    conversation.refresh_from_db()
    assert (conversation.tier, conversation.assignee_id) == ("l2", lead.pk)
    assert (
        ConversationEvent.objects.filter(type="escalated").get().payload["to_agent_name"] == "Лидия Старшая"
    )


def test_status_lifecycle(store, conversation, agent, watch, published, django_capture_on_commit_callbacks):
    before, subscription = watch
    by = Actor.of_agent(agent)
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_status(conversation=conversation, status="pending", by=by)
        conversation.refresh_from_db()
        assert conversation.waiting_since is None
        actions.set_status(conversation=conversation, status="solved", by=by)
        conversation.refresh_from_db()
        assert conversation.solved_at is not None
        actions.set_status(conversation=conversation, status="closed", by=by)
        conversation.refresh_from_db()
        assert conversation.closed_at is not None
        actions.set_status(conversation=conversation, status="closed", by=by)  # no change
        actions.set_status(conversation=conversation, status="open", by=by)
    conversation.refresh_from_db()
    assert (conversation.status, conversation.solved_at, conversation.closed_at) == ("open", None, None)
    assert timeline(conversation, after=before) == [
        ("status_changed", "agent", agent.pk, {"from": "new", "to": "pending"}),
        ("status_changed", "agent", agent.pk, {"from": "pending", "to": "solved"}),
        ("status_changed", "agent", agent.pk, {"from": "solved", "to": "closed"}),
        ("status_changed", "agent", agent.pk, {"from": "closed", "to": "open"}),
    ]
    assert [e.payload["changes"] for e in published] == [
        {"status": ["new", "pending"]},
        {"status": ["pending", "solved"]},
        {"status": ["solved", "closed"]},
        {"status": ["closed", "open"]},
    ]
    assert delivered(subscription) == ["conversation.updated", "conversation.status_changed"] * 4


@pytest.mark.parametrize(
    ("action", "field"),
    [
        (lambda c, by: actions.set_status(conversation=c, status="archived", by=by), "status"),
        (lambda c, by: actions.set_priority(conversation=c, priority="critical", by=by), "priority"),
        (lambda c, by: actions.set_category(conversation=c, category="weather", by=by), "category"),
        (lambda c, by: actions.set_subject(conversation=c, subject="x" * 301, by=by), "subject"),
        (lambda c, by: actions.set_tags(conversation=c, names=["x" * 61], by=by), "tags"),
        (lambda c, by: actions.set_tags(conversation=c, names=[f"t{i}" for i in range(31)], by=by), "tags"),
        (lambda c, by: actions.add_tags(conversation=c, names=[1], by=by), "tags"),
    ],
    ids=[
        "status",
        "priority",
        "category",
        "subject-too-long",
        "tag-too-long",
        "too-many-tags",
        "tag-not-string",
    ],
)
def test_unknown_values_are_refused(conversation, agent, watch, action, field):
    before, subscription = watch
    with pytest.raises(InvalidInput) as caught:
        action(conversation, Actor.of_agent(agent))
    assert caught.value.field == field
    conversation.refresh_from_db()
    assert (conversation.status, conversation.priority, conversation.category, conversation.subject) == (
        "new",
        "normal",
        "other",
        "Не проходит оплата",
    )
    assert timeline(conversation, after=before) == []
    assert delivered(subscription) == []
    assert Tag.objects.count() == 0


def test_status_cannot_go_back_to_new(conversation, agent):
    actions.set_status(conversation=conversation, status="open", by=Actor.of_agent(agent))
    with pytest.raises(InvalidInput) as caught:
        actions.set_status(conversation=conversation, status="new", by=Actor.of_agent(agent))
    assert caught.value.field == "status"


@pytest.mark.parametrize(
    ("action", "field", "old", "new", "event"),
    [
        (
            lambda c, by: actions.set_priority(conversation=c, priority="urgent", by=by),
            "priority",
            "normal",
            "urgent",
            "priority_changed",
        ),
        (
            lambda c, by: actions.set_category(conversation=c, category="payment", by=by),
            "category",
            "other",
            "payment",
            "category_changed",
        ),
        (
            lambda c, by: actions.set_subject(conversation=c, subject=" Оплата картой ", by=by),
            "subject",
            "Не проходит оплата",
            "Оплата картой",
            "subject_changed",
        ),
    ],
    ids=["priority", "category", "subject"],
)
def test_simple_fields(
    store,
    conversation,
    agent,
    watch,
    published,
    django_capture_on_commit_callbacks,
    action,
    field,
    old,
    new,
    event,
):
    before, subscription = watch
    with django_capture_on_commit_callbacks(execute=True):
        action(conversation, Actor.of_agent(agent))
        action(conversation, Actor.of_agent(agent))  # the same value again: nothing happens
    conversation.refresh_from_db()
    assert getattr(conversation, field) == new
    assert timeline(conversation, after=before) == [(event, "agent", agent.pk, {"from": old, "to": new})]
    assert published == [_updated(store, conversation, {field: [old, new]})]
    assert delivered(subscription) == ["conversation.updated"]


def test_tags(store, conversation, agent, watch, published, django_capture_on_commit_callbacks):
    before, subscription = watch
    by = Actor.of_agent(agent)
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_tags(conversation=conversation, names=["  Возврат ", "СРОЧНО", "возврат", ""], by=by)
        actions.add_tags(conversation=conversation, names=["брак", "срочно"], by=by)
        actions.remove_tags(conversation=conversation, names=["Срочно"], by=by)
        actions.remove_tags(conversation=conversation, names=["нет-такого"], by=by)  # no change
    assert sorted(conversation.tags.values_list("name", flat=True)) == ["брак", "возврат"]
    assert sorted(Tag.objects.filter(store=store).values_list("name", flat=True)) == [
        "брак",
        "возврат",
        "срочно",
    ]
    assert timeline(conversation, after=before) == [
        ("tags_changed", "agent", agent.pk, {"added": ["возврат", "срочно"], "removed": []}),
        ("tags_changed", "agent", agent.pk, {"added": ["брак"], "removed": []}),
        ("tags_changed", "agent", agent.pk, {"added": [], "removed": ["срочно"]}),
    ]
    assert [e.payload["changes"] for e in published] == [
        {"tags": [[], ["возврат", "срочно"]]},
        {"tags": [["возврат", "срочно"], ["брак", "возврат", "срочно"]]},
        {"tags": [["брак", "возврат", "срочно"], ["брак", "возврат"]]},
    ]
    assert delivered(subscription) == ["conversation.updated"] * 3
    assert WebhookDelivery.objects.order_by("id").last().payload["data"]["conversation"]["tags"] == [
        "брак",
        "возврат",
    ]
