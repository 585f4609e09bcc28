"""Publishing, audience, validity windows, receipts, incidents and the store setting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.announcements.helpers import hours, publish
from tests.factories import make_agent, make_team
from zabota.announcements import actions
from zabota.announcements.actions import Draft
from zabota.announcements.incidents import IncidentNotice, active_incidents
from zabota.announcements.models import Acknowledgement, Announcement
from zabota.announcements.queries import banner_for, must_read_pending, options_of, unread_for, visible_to
from zabota.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zabota.stores.actors import Actor

pytestmark = pytest.mark.django_db


def test_lead_publishes_and_the_whole_store_is_notified_once_after_commit(
    store, other_store, agent, lead, admin, notified, published, django_capture_on_commit_callbacks
):
    # given an agent of another store and a deactivated one
    make_agent(other_store, name="Чужой агент")
    make_agent(store, name="Ушедший", is_active=False)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        announcement = publish(store, Actor.of_agent(lead), title="Новый раздел «Уценка»", body="Смотрите")

    # then
    announcement.refresh_from_db()
    assert announcement.created_by == lead
    assert announcement.notified_at is not None
    assert len(notified.calls) == 1
    call = notified.calls[0]
    assert sorted(call["agent_ids"]) == sorted([agent.pk, lead.pk, admin.pk])
    assert call["dedupe_key"] == f"announcement:{announcement.pk}"
    assert (call["store_id"], call["kind"], call["title"]) == (
        store.pk,
        "announcement.published",
        "Новый раздел «Уценка»",
    )
    assert call["url"] == f"/announcements/{announcement.pk}/"
    events = [e for e in published if e.event.startswith("announcement.")]
    assert [(e.event, e.store_id, e.payload["id"]) for e in events] == [
        ("announcement.published", store.pk, announcement.pk)
    ]


def test_agent_cannot_publish_edit_or_archive(store, agent, notified):
    by = Actor.of_agent(agent)
    with pytest.raises(PermissionDenied):
        publish(store, by)
    announcement = publish(store)
    with pytest.raises(PermissionDenied):
        actions.update(announcement=announcement, draft=Draft(title="Другое"), by=by)
    with pytest.raises(PermissionDenied):
        actions.archive(announcement=announcement, by=by)
    assert Announcement.objects.count() == 1
    assert Announcement.objects.get().title == "Новая акция"


def test_lead_of_another_store_cannot_publish_here(store, other_store):
    outsider = make_agent(other_store, role="lead")
    with pytest.raises(PermissionDenied):
        publish(store, Actor.of_agent(outsider))
    assert Announcement.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param({"title": "  "}, "title", id="empty-title"),
        pytest.param({"title": "x" * 201}, "title", id="long-title"),
        pytest.param({"body": "x" * 20_001}, "body", id="long-body"),
        pytest.param({"kind": "gossip"}, "kind", id="unknown-kind"),
        pytest.param({"severity": "doom"}, "severity", id="unknown-severity"),
        pytest.param({"audience": "martians"}, "audience", id="unknown-audience"),
        pytest.param({"audience": "teams"}, "teams", id="teams-without-teams"),
        pytest.param({"ends_at": "past"}, "ends_at", id="ends-before-start"),
        pytest.param({"is_incident": True, "public_text": "  "}, "public_text", id="incident-without-text"),
        pytest.param({"is_incident": True, "public_text": "x" * 1001}, "public_text", id="long-public-text"),
        pytest.param({"starts_at": "naive"}, "starts_at", id="naive-start"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_is_saved(store, lead, notified, fields, field):
    if fields.get("ends_at") == "past":
        fields["ends_at"] = hours(-1)
    if fields.get("starts_at") == "naive":
        fields["starts_at"] = timezone.now().replace(tzinfo=None)
    with pytest.raises(InvalidInput) as error:
        publish(store, Actor.of_agent(lead), **fields)
    assert error.value.field == field
    assert Announcement.objects.count() == 0
    assert notified.calls == []


def test_another_stores_team_is_refused(store, other_store, lead):
    foreign = make_team(other_store, "Чужая команда")
    with pytest.raises(InvalidInput) as error:
        publish(store, Actor.of_agent(lead), audience="teams", teams=[foreign])
    assert error.value.field == "teams"
    assert Announcement.objects.count() == 0


def test_team_announcement_is_invisible_to_agents_outside_the_teams(store, agent, lead, notified):
    # given
    returns = make_team(store, "Возвраты")
    member = make_agent(store, name="Вера Возвратова")
    member.teams.add(returns)
    both = make_agent(store, name="Пётр Двойной")
    both.teams.add(returns, make_team(store, "Вторая линия"))

    # when
    announcement = publish(
        store, Actor.of_agent(lead), audience="teams", teams=[returns], title="Новый бланк"
    )
    everyone = publish(store, Actor.of_agent(lead), title="Для всех")

    # then
    assert [a.title for a in unread_for(member)] == ["Для всех", "Новый бланк"]
    assert [a.title for a in unread_for(both)] == ["Для всех", "Новый бланк"]
    assert [a.title for a in unread_for(agent)] == ["Для всех"]
    assert list(visible_to(lead)) == [everyone]
    assert sorted(notified.calls[0]["agent_ids"]) == sorted([member.pk, both.pk])
    with pytest.raises(NotFound):
        actions.mark_read(announcement=announcement, by=Actor.of_agent(agent))
    assert Acknowledgement.objects.count() == 0


def test_validity_window_scheduled_ended_and_archived(store, agent, lead, notified):
    by = Actor.of_agent(lead)
    now_one = publish(store, by, title="Сейчас")
    later = publish(store, by, title="Завтра", starts_at=hours(24))
    publish(store, by, title="Было", starts_at=hours(-48), ends_at=hours(-24))
    archived = publish(store, by, title="Снято")
    actions.archive(announcement=archived, by=by)

    assert [a.title for a in unread_for(agent)] == ["Сейчас"]
    assert [a.phase().value for a in Announcement.objects.order_by("pk")] == [
        "active",
        "scheduled",
        "ended",
        "archived",
    ]
    # a scheduled one is not notified yet, an ended one never
    notified_ids = [call["payload"]["announcement_id"] for call in notified.calls]
    assert notified_ids == [now_one.pk, archived.pk]
    assert later.notified_at is None
    with pytest.raises(NotFound):
        actions.acknowledge(announcement=later, by=Actor.of_agent(agent))


def test_the_worker_announces_a_scheduled_one_once_it_starts(store, agent, lead, notified):
    # given a scheduled announcement whose start has come
    later = publish(store, Actor.of_agent(lead), title="Акция с понедельника", starts_at=hours(1))
    assert actions.announce_started() == 0
    Announcement.objects.filter(pk=later.pk).update(starts_at=hours(-0.1))

    # when the job runs twice
    first, second = actions.announce_started(), actions.announce_started()

    # then the audience is told once
    assert (first, second) == (1, 0)
    assert [call["dedupe_key"] for call in notified.calls] == [f"announcement:{later.pk}"]
    assert [a.title for a in unread_for(agent)] == ["Акция с понедельника"]


def test_editing_keeps_receipts_and_notifies_agents_new_to_the_audience(store, agent, lead, notified):
    # given a team-only announcement read by a member
    team = make_team(store, "Чат")
    agent.teams.add(team)
    announcement = publish(store, Actor.of_agent(lead), audience="teams", teams=[team])
    actions.mark_read(announcement=announcement, by=Actor.of_agent(agent))
    started = announcement.starts_at

    # when the lead widens it to everyone
    actions.update(announcement=announcement, draft=Draft(title="Для всех теперь"), by=Actor.of_agent(lead))

    # then
    announcement.refresh_from_db()
    assert (announcement.title, announcement.audience, announcement.starts_at) == (
        "Для всех теперь",
        "everyone",
        started,
    )
    assert list(announcement.teams.all()) == []
    assert Acknowledgement.objects.get().read_at is not None
    assert [sorted(call["agent_ids"]) for call in notified.calls] == [[agent.pk], sorted([agent.pk, lead.pk])]
    assert {call["dedupe_key"] for call in notified.calls} == {f"announcement:{announcement.pk}"}


def test_archived_announcement_cannot_be_edited_and_archiving_twice_is_harmless(store, lead):
    by = Actor.of_agent(lead)
    announcement = publish(store, by)
    first = actions.archive(announcement=announcement, by=by).archived_at
    second = actions.archive(announcement=announcement, by=by).archived_at
    assert first == second
    with pytest.raises(Conflict):
        actions.update(announcement=announcement, draft=Draft(title="Воскрес"), by=by)


def test_read_and_acknowledge_keep_the_first_time_and_are_idempotent(store, agent, lead):
    announcement = publish(store, Actor.of_agent(lead), must_read=True)
    by = Actor.of_agent(agent)

    read = actions.mark_read(announcement=announcement, by=by)
    assert (read.read_at is not None, read.acknowledged_at) == (True, None)
    assert [a.pk for a in banner_for(agent)] == [announcement.pk]  # read, not acknowledged: still shown
    assert [a.pk for a in must_read_pending(agent)] == [announcement.pk]

    acknowledged = actions.acknowledge(announcement=announcement, by=by)
    again = actions.acknowledge(announcement=announcement, by=by)
    actions.mark_read(announcement=announcement, by=by)

    receipt = Acknowledgement.objects.get()
    assert (receipt.read_at, receipt.acknowledged_at) == (read.read_at, acknowledged.acknowledged_at)
    assert again.acknowledged_at == acknowledged.acknowledged_at
    assert (receipt.store_id, receipt.agent_id) == (store.pk, agent.pk)
    assert banner_for(agent) == []
    assert must_read_pending(agent) == []


def test_integration_token_and_other_store_agent_cannot_acknowledge(store, other_store, lead):
    announcement = publish(store, Actor.of_agent(lead), must_read=True)
    with pytest.raises(InvalidInput):
        actions.acknowledge(announcement=announcement, by=Actor.system())
    with pytest.raises(PermissionDenied):
        actions.acknowledge(announcement=announcement, by=Actor.of_agent(make_agent(other_store)))
    assert Acknowledgement.objects.count() == 0


def test_active_incidents_give_only_the_public_text_of_current_incidents(store, other_store, lead):
    by = Actor.of_agent(lead)
    ends = hours(48)
    publish(
        store,
        by,
        title="Снегопад: склад не отгружает",
        body="Внутреннее: склад закрыт до среды",
        kind="delay",
        severity="warning",
        is_incident=True,
        public_text="Из-за снегопада доставка задерживается на 1–2 дня",
        ends_at=ends,
    )
    publish(
        store, by, title="Сбой оплаты", severity="critical", is_incident=True, public_text="Оплата картой"
    )
    publish(store, by, title="Не инцидент", public_text="не для клиентов")
    publish(store, by, title="Будущий", is_incident=True, public_text="позже", starts_at=hours(2))
    gone = publish(store, by, title="Снятый", is_incident=True, public_text="снято")
    actions.archive(announcement=gone, by=by)
    publish(other_store, title="Чужой", is_incident=True, public_text="чужой")

    assert active_incidents(store.pk) == [
        IncidentNotice(title="Сбой оплаты", public_text="Оплата картой", severity="critical", ends_at=None),
        IncidentNotice(
            title="Снегопад: склад не отгружает",
            public_text="Из-за снегопада доставка задерживается на 1–2 дня",
            severity="warning",
            ends_at=ends,
        ),
    ]


def test_store_setting_is_written_by_admins_only_and_keeps_other_keys(store, lead, admin):
    store.options = {"routing": {"mode": "manual"}}
    store.save(update_fields=["options"])
    assert options_of(store) == {"must_read_blocks_reply": True}

    with pytest.raises(PermissionDenied):
        actions.set_options(store=store, by=Actor.of_agent(lead), must_read_blocks_reply=False)
    actions.set_options(store=store, by=Actor.of_agent(admin), must_read_blocks_reply=False)

    store.refresh_from_db()
    assert store.options == {
        "routing": {"mode": "manual"},
        "announcements": {"must_read_blocks_reply": False},
    }


@pytest.mark.parametrize(
    "raw",
    [None, "yes", {"must_read_blocks_reply": "no"}, []],
    ids=["missing", "string", "wrong-type", "list"],
)
def test_malformed_setting_reads_as_the_default(store, raw):
    store.options = {} if raw is None else {"announcements": raw}
    assert options_of(store) == {"must_read_blocks_reply": True}


def test_banner_lists_newest_first(store, agent, lead):
    by = Actor.of_agent(lead)
    older = publish(store, by, title="Раньше", starts_at=timezone.now() - timedelta(hours=2))
    newer = publish(store, by, title="Позже")
    assert [a.pk for a in banner_for(agent)] == [newer.pk, older.pk]
