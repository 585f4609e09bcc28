"""Pages: the banner on every agent page, the list, the lead's form, receipts, settings, and the reply block."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.announcements.helpers import hours, publish
from tests.factories import make_agent, make_conversation, make_team
from zabota.announcements import actions
from zabota.announcements.models import Acknowledgement, Announcement
from zabota.conversations.models import Message
from zabota.stores.actors import Actor

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def as_agent(client, agent):
    client.force_login(agent.user)
    return client


@pytest.fixture
def as_lead(client, lead):
    client.force_login(lead.user)
    return client


def _form(**fields):
    data = {
        "title": "Новая коллекция",
        "body": "",
        "kind": "new_product",
        "severity": "info",
        "audience": "everyone",
        "starts_at": "",
        "ends_at": "",
        "public_text": "",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def test_every_agent_page_loads_the_banner_and_links_the_page(as_agent):
    html = as_agent.get(reverse("inbox")).content.decode()
    assert 'id="announcement-banner"' in html
    assert f'hx-get="{reverse("announcements:banner")}"' in html
    assert f'href="{reverse("announcements:list")}"' in html


def test_login_page_has_no_banner(client):
    assert 'id="announcement-banner"' not in client.get(reverse("login")).content.decode()


def test_banner_shows_unread_with_severity_and_dismiss_removes_it(store, lead, as_agent, agent):
    # given
    announcement = publish(store, Actor.of_agent(lead), title="Сайт обновился", severity="warning")
    must = publish(
        store, Actor.of_agent(lead), title="Новые сроки доставки", must_read=True, severity="critical"
    )

    # when
    html = as_agent.get(reverse("announcements:banner")).content.decode()

    # then
    assert "Сайт обновился" in html
    assert "Новые сроки доставки" in html
    assert 'class="ann ann-warning"' in html
    assert 'class="ann ann-critical"' in html
    assert html.count("I have read it") == 1
    assert html.count("Dismiss") == 2  # the button's label and its aria-label

    # when the agent dismisses the plain one (htmx): the refreshed banner comes back
    response = as_agent.post(reverse("announcements:read", args=[announcement.pk]), **HX)
    assert response.status_code == 200
    refreshed = response.content.decode()
    assert "Сайт обновился" not in refreshed
    assert "Новые сроки доставки" in refreshed

    # and acknowledges the must-read one without htmx: back to where they were
    response = as_agent.post(reverse("announcements:acknowledge", args=[must.pk]), {"next": "/customers/"})
    assert (response.status_code, response["Location"]) == (302, "/customers/")
    assert as_agent.get(reverse("announcements:banner")).content.decode().strip() == ""
    assert Acknowledgement.objects.filter(agent=agent, acknowledged_at__isnull=False).count() == 1


def test_receipt_post_never_redirects_to_another_host(store, lead, as_agent):
    announcement = publish(store, Actor.of_agent(lead))
    response = as_agent.post(
        reverse("announcements:read", args=[announcement.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("announcements:detail", args=[announcement.pk])


def test_body_is_escaped_and_keeps_line_breaks(store, lead, as_agent):
    announcement = publish(store, Actor.of_agent(lead), body="<script>alert(1)</script>\nВторая строка")
    html = as_agent.get(reverse("announcements:detail", args=[announcement.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Вторая строка" in html


def test_list_tabs_and_filters_for_agents_and_leads(store, lead, as_agent, client, agent):
    by = Actor.of_agent(lead)
    publish(store, by, title="Задержка", kind="delay")
    publish(store, by, title="Новинка", kind="new_product")
    publish(store, by, title="Завтрашнее", starts_at=hours(20))
    publish(store, by, title="Для возвратов", audience="teams", teams=[make_team(store, "Возвраты")])

    html = as_agent.get(reverse("announcements:list")).content.decode()
    assert "Задержка" in html
    assert "Новинка" in html
    assert "Завтрашнее" not in html
    assert "Для возвратов" not in html
    assert "New announcement" not in html
    filtered = as_agent.get(reverse("announcements:list"), {"kind": "delay"}).content.decode()
    assert "Задержка" in filtered
    assert "Новинка" not in filtered
    # an agent asking for the scheduled tab gets the active one
    assert (
        "Завтрашнее" not in as_agent.get(reverse("announcements:list"), {"tab": "scheduled"}).content.decode()
    )

    client.force_login(lead.user)
    scheduled = client.get(reverse("announcements:list"), {"tab": "scheduled"}).content.decode()
    assert "Завтрашнее" in scheduled
    assert "Задержка" not in scheduled
    assert "Для возвратов" in client.get(reverse("announcements:list")).content.decode()


def test_lead_publishes_through_the_form_in_the_store_time_zone(store, as_lead, lead):
    team = make_team(store, "Чат")
    response = as_lead.post(
        reverse("announcements:create"),
        _form(
            audience="teams",
            teams=[str(team.pk)],
            must_read="on",
            starts_at="2026-01-05T09:00",
            ends_at="2026-01-06T18:30",
            is_incident="on",
            public_text="Доставка задерживается",
        ),
    )
    announcement = Announcement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("announcements:detail", args=[announcement.pk])
    assert announcement.starts_at.isoformat() == "2026-01-05T06:00:00+00:00"  # 09:00 in Moscow
    assert announcement.ends_at.isoformat() == "2026-01-06T15:30:00+00:00"
    assert (announcement.must_read, announcement.is_incident, announcement.created_by) == (True, True, lead)
    assert list(announcement.teams.all()) == [team]


def test_form_errors_are_shown_and_nothing_is_saved(store, as_lead):
    response = as_lead.post(reverse("announcements:create"), _form(is_incident="on", public_text=""))
    assert response.status_code == 400
    assert "An incident needs a text for customers." in response.content.decode()
    assert Announcement.objects.count() == 0


def test_agent_cannot_open_the_form_or_post_it(as_agent):
    assert as_agent.get(reverse("announcements:create")).status_code == 403
    assert as_agent.post(reverse("announcements:create"), _form()).status_code == 403
    assert Announcement.objects.count() == 0


def test_lead_edits_and_archives(store, lead, as_lead):
    announcement = publish(store, Actor.of_agent(lead), title="Старое")
    page = as_lead.get(reverse("announcements:edit", args=[announcement.pk])).content.decode()
    assert 'value="Старое"' in page

    response = as_lead.post(reverse("announcements:edit", args=[announcement.pk]), _form(title="Новое"))
    assert response.status_code == 302
    response = as_lead.post(reverse("announcements:archive", args=[announcement.pk]))
    assert response.status_code == 302

    announcement.refresh_from_db()
    assert announcement.title == "Новое"
    assert announcement.archived_at is not None
    archived_tab = as_lead.get(reverse("announcements:list"), {"tab": "archived"}).content.decode()
    assert "Новое" in archived_tab


def test_other_stores_ids_are_not_found(other_store, as_lead):
    foreign = publish(other_store, title="Чужое")
    for name in ("detail", "edit", "receipts"):
        assert as_lead.get(reverse(f"announcements:{name}", args=[foreign.pk])).status_code == 404, name
    for name in ("archive", "read", "acknowledge"):
        assert as_lead.post(reverse(f"announcements:{name}", args=[foreign.pk])).status_code == 404, name
    foreign.refresh_from_db()
    assert foreign.archived_at is None
    assert Acknowledgement.objects.count() == 0


def test_agent_outside_the_audience_cannot_open_a_team_announcement(store, lead, as_agent):
    announcement = publish(
        store, Actor.of_agent(lead), audience="teams", teams=[make_team(store, "Возвраты")], title="Не вам"
    )
    assert as_agent.get(reverse("announcements:detail", args=[announcement.pk])).status_code == 404
    assert (
        as_agent.post(reverse("announcements:acknowledge", args=[announcement.pk]), **HX).status_code == 404
    )


def test_receipts_report_lists_only_the_audience(store, lead, agent, client):
    # given a team announcement: one member acknowledged, one did not; an outsider is not listed
    team = make_team(store, "Чат")
    reader = make_agent(store, name="Анна Прочитавшая")
    slacker = make_agent(store, name="Борис Непрочитавший")
    make_agent(store, name="Вне аудитории")
    reader.teams.add(team)
    slacker.teams.add(team)
    announcement = publish(store, Actor.of_agent(lead), audience="teams", teams=[team], must_read=True)
    actions.acknowledge(announcement=announcement, by=Actor.of_agent(reader))
    client.force_login(lead.user)

    # when
    response = client.get(reverse("announcements:receipts", args=[announcement.pk]))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Audience: 2. Read: 1. Acknowledged: 1." in html
    pending, done = html.split('id="receipts-pending"')[1].split('id="receipts-done"')
    assert "Борис Непрочитавший" in pending
    assert "Анна Прочитавшая" not in pending
    assert "Анна Прочитавшая" in done
    assert "Вне аудитории" not in html

    client.force_login(agent.user)
    assert client.get(reverse("announcements:receipts", args=[announcement.pk])).status_code == 403


def test_admin_switches_the_reply_block_off_and_a_lead_cannot(store, lead, admin, client):
    client.force_login(lead.user)
    assert client.post(reverse("announcements:options"), {}).status_code == 403

    client.force_login(admin.user)
    page = client.get(reverse("announcements:options")).content.decode()
    assert 'name="must_read_blocks_reply"' in page
    assert "checked" in page
    response = client.post(reverse("announcements:options"), {})
    store.refresh_from_db()
    assert response.status_code == 302
    assert store.options["announcements"] == {"must_read_blocks_reply": False}


def test_reply_on_the_conversation_page_is_blocked_until_acknowledged(store, lead, as_agent):
    # given
    conv = make_conversation(store, text="Где заказ?")
    must = publish(store, Actor.of_agent(lead), title="Снегопад", must_read=True)
    url = reverse("conversation_reply", kwargs={"number": conv.number})

    # when the agent replies: refused with the announcement named in the flash area
    response = as_agent.post(url, {"text": "Уже едет", "then": ""}, **HX)
    assert response.status_code == 409
    assert "«Снегопад»" in response.content.decode()
    assert response["HX-Retarget"] == "#flash"
    assert Message.objects.filter(conversation=conv, direction="outbound").count() == 0

    # then after "I have read it" in the banner the reply goes out
    as_agent.post(reverse("announcements:acknowledge", args=[must.pk]), **HX)
    response = as_agent.post(url, {"text": "Уже едет", "then": ""}, **HX)
    assert response.status_code == 200
    assert Message.objects.filter(conversation=conv, direction="outbound").count() == 1
