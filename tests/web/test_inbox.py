"""The inbox: views, counts, filters, sorting, pagination and query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_agent, make_conversation, make_customer, make_team
from zabota.conversations import actions
from zabota.conversations.models import Conversation
from zabota.conversations.views.present import waiting_label
from zabota.stores.actors import Actor

pytestmark = pytest.mark.django_db


def _numbers(response) -> list[int]:
    return [c.number for c in response.context["page"].object_list]


def _set_waiting(conversation: Conversation, minutes: int) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(
        waiting_since=timezone.now() - timedelta(minutes=minutes)
    )


def test_root_redirects_to_inbox(client, agent):
    client.force_login(agent.user)

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == reverse("inbox")


def test_anonymous_user_is_sent_to_login(client, store):
    response = client.get(reverse("inbox"))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_user_without_agent_membership_gets_403(client, django_user_model):
    user = django_user_model.objects.create_user(username="stranger", password="x")
    client.force_login(user)

    response = client.get(reverse("inbox"))

    assert response.status_code == 403
    assert b"alert-error" in response.content


def test_views_split_conversations_and_show_counts(client, store, agent, lead):
    # given
    team = make_team(store, "Доставка")
    agent.teams.add(team)
    mine = make_conversation(store, text="Где мой заказ?")
    actions.assign(conversation=mine, to=agent, by=Actor.of_agent(agent))
    unassigned = make_conversation(store)
    team_conv = make_conversation(store)
    actions.set_team(conversation=team_conv, team=team, by=Actor.of_agent(lead))
    actions.assign(conversation=team_conv, to=lead, by=Actor.of_agent(lead))
    pending = make_conversation(store)
    actions.set_status(conversation=pending, status="pending", by=Actor.of_agent(lead))
    solved = make_conversation(store)
    actions.set_status(conversation=solved, status="solved", by=Actor.of_agent(lead))
    client.force_login(agent.user)

    # when
    results = {
        view: _numbers(client.get(reverse("inbox"), {"view": view}))
        for view in ("mine", "unassigned", "team", "open", "pending", "solved")
    }
    response = client.get(reverse("inbox"))

    # then
    assert results == {
        "mine": [mine.number],
        "unassigned": [unassigned.number],
        "team": [team_conv.number],
        "open": [mine.number, unassigned.number, team_conv.number],  # longest waiting first
        "pending": [pending.number],
        "solved": [solved.number],
    }
    counts = {key: count for key, _label, count, _query in response.context["views"]}
    assert counts == {"mine": 1, "unassigned": 1, "team": 1, "open": 3, "pending": 1, "solved": 1}


def test_inbox_row_shows_number_subject_customer_and_waiting_time(client, store, agent):
    customer = make_customer(store, name="Мария Иванова")
    conv = make_conversation(store, customer=customer, text="Не пришёл трек-номер", channel="telegram")
    actions.add_tags(conversation=conv, names=["доставка"], by=Actor.of_agent(agent))
    actions.assign(conversation=conv, to=agent, by=Actor.of_agent(agent))
    _set_waiting(conv, 12)
    client.force_login(agent.user)

    response = client.get(reverse("inbox"), {"view": "mine"}, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert f"#{conv.number}" in html
    assert "Не пришёл трек-номер" in html
    assert "Мария Иванова" in html
    assert "Telegram" in html
    assert "доставка" in html
    assert "waiting 12 min" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"channel": "email"}, ["email"]),
        ({"category": "return"}, ["return"]),
        ({"priority": "urgent"}, ["urgent"]),
        ({"tag": "vip"}, ["vip"]),
        ({"status": "new"}, ["new"]),
    ],
    ids=["channel", "category", "priority", "tag", "status"],
)
def test_filters_narrow_the_list(client, store, agent, params, expected):
    # given one conversation matching each filter and one plain one
    by = Actor.of_agent(agent)
    email = make_conversation(store, channel="email", text="email")
    ret = make_conversation(store, category="return", text="return")
    urgent = make_conversation(store, text="urgent")
    actions.set_priority(conversation=urgent, priority="urgent", by=by)
    vip = make_conversation(store, text="vip")
    actions.add_tags(conversation=vip, names=["vip"], by=by)
    opened = make_conversation(store, text="opened")
    actions.set_status(conversation=opened, status="open", by=by)
    for conv in (email, ret, urgent, vip):
        actions.set_status(conversation=conv, status="open", by=by)
    new = make_conversation(store, text="new")
    by_key = {"email": email, "return": ret, "urgent": urgent, "vip": vip, "new": new}
    client.force_login(agent.user)

    response = client.get(reverse("inbox"), {"view": "open", **params})

    assert _numbers(response) == [by_key[key].number for key in expected]


def test_assignee_filter_and_nobody(client, store, agent, lead):
    a = make_conversation(store)
    actions.assign(conversation=a, to=lead, by=Actor.of_agent(lead))
    b = make_conversation(store)
    client.force_login(agent.user)

    by_lead = _numbers(client.get(reverse("inbox"), {"view": "open", "assignee": str(lead.pk)}))
    nobody = _numbers(client.get(reverse("inbox"), {"view": "open", "assignee": "none"}))

    assert by_lead == [a.number]
    assert nobody == [b.number]


def test_unknown_filter_values_are_ignored_not_500(client, store, agent):
    conv = make_conversation(store)
    client.force_login(agent.user)

    response = client.get(
        reverse("inbox"),
        {"view": "bogus", "channel": "fax", "assignee": "x';--", "sort": "nope", "page": "zzz"},
    )

    assert response.status_code == 200
    assert response.context["filters"].view == "mine"
    assert _numbers(client.get(reverse("inbox"), {"view": "open", "channel": "fax"})) == [conv.number]


def test_sorting_waiting_longest_first_newest_and_updated(client, store, agent):
    first = make_conversation(store, text="first")
    second = make_conversation(store, text="second")
    third = make_conversation(store, text="third")
    _set_waiting(first, 5)
    _set_waiting(second, 60)
    _set_waiting(third, 30)
    Conversation.objects.filter(pk=first.pk).update(updated_at=timezone.now() + timedelta(minutes=1))
    client.force_login(agent.user)

    waiting = _numbers(client.get(reverse("inbox"), {"view": "open", "sort": "waiting"}))
    newest = _numbers(client.get(reverse("inbox"), {"view": "open", "sort": "newest"}))
    updated = _numbers(client.get(reverse("inbox"), {"view": "open", "sort": "updated"}))

    assert waiting == [second.number, third.number, first.number]
    assert newest == [third.number, second.number, first.number]
    assert updated[0] == first.number


def test_pagination_25_per_page(client, store, agent):
    for _ in range(27):
        make_conversation(store)
    client.force_login(agent.user)

    page1 = client.get(reverse("inbox"), {"view": "open"})
    page2 = client.get(reverse("inbox"), {"view": "open", "page": "2"})

    assert len(page1.context["page"].object_list) == 25
    assert len(page2.context["page"].object_list) == 2
    assert "page=2" in page1.content.decode()


def test_htmx_request_returns_only_the_list_fragment(client, store, agent):
    make_conversation(store)
    client.force_login(agent.user)

    response = client.get(
        reverse("inbox"), {"view": "open"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="inbox-list"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="inbox-list"')
    assert "<html" not in html
    assert 'hx-trigger="every 30s"' in html


def test_full_page_has_htmx_filters_and_polling(client, store, agent):
    client.force_login(agent.user)

    html = client.get(reverse("inbox")).content.decode()

    assert 'hx-push-url="true"' in html
    assert 'hx-trigger="every 30s"' in html
    assert "/static/vendor/htmx/htmx.min.js" in html
    assert "X-CSRFToken" in html


def test_other_store_conversations_never_listed(client, store, other_store, agent):
    make_conversation(other_store)
    client.force_login(agent.user)

    response = client.get(reverse("inbox"), {"view": "open"})

    assert _numbers(response) == []
    assert {key: c for key, _l, c, _q in response.context["views"]}["open"] == 0


def test_inbox_with_30_conversations_has_no_n_plus_1(client, store, agent, django_assert_num_queries):
    # given 30 conversations with assignees, teams and tags
    team = make_team(store, "Поддержка")
    other = make_agent(store, name="Иван Второй")
    by = Actor.system()
    for i in range(30):
        conv = make_conversation(store, text=f"Вопрос {i}")
        actions.assign(conversation=conv, to=other if i % 2 else agent, by=by)
        actions.set_team(conversation=conv, team=team, by=by)
        actions.add_tags(conversation=conv, names=[f"t{i % 3}", "общий"], by=by)
    client.force_login(agent.user)

    # when / then: session, user, agent, agent's teams, row count, page rows, their tags,
    # the views' counts (one aggregate), tag names and agents for the filters, their service targets,
    # and the agent's "last seen" heartbeat (written at most once a minute)
    with django_assert_num_queries(12):
        response = client.get(reverse("inbox"), {"view": "open", "page": "1"})
    assert len(response.context["page"].object_list) == 25


def test_waiting_label_plural_forms_in_russian():
    from django.utils import translation

    now = timezone.now()
    with translation.override("en"):
        assert waiting_label(now - timedelta(minutes=12), now) == "waiting 12 min"
        assert waiting_label(now - timedelta(hours=1), now) == "waiting 1 hour"
        assert waiting_label(now - timedelta(days=3), now) == "waiting 3 days"
        assert waiting_label(None, now) == ""
