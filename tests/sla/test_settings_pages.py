"""Settings pages of service targets: policies and calendars, store-scoped, admins and leads only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import make_team
from zabota.sla import actions
from zabota.sla.models import BusinessCalendar, Policy
from zabota.stores.actors import Actor

POLICY_POST = {
    "name": "Срочные",
    "is_active": "on",
    "channels": ["email", "chat"],
    "priorities": ["urgent"],
    "customer_tags": "VIP, опт",
    "first_response_minutes": "15",
    "first_response_business": "on",
    "resolution_minutes": "240",
    "warn_percent": "80",
    "breach_raise_priority": "on",
    "escalate_admin_after_minutes": "30",
}


def calendar_post(**overrides):
    data = {
        "name": "Офис",
        "timezone": "Europe/Moscow",
        "week_mon": "09:00–13:00, 14:00-18:00",
        "week_fri": "09:00-16:00",
        "week_sat": "22:00-06:00",
        "holidays": "2026-01-01\n2026-01-02",
        "workdays": "",
        "shortened": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def signed_in(client, lead):
    client.force_login(lead.user)
    return client


def test_agents_cannot_open_the_pages(client, agent):
    client.force_login(agent.user)
    assert client.get("/settings/service-targets/").status_code == 403
    assert client.get("/settings/service-targets/calendars/").status_code == 403


def test_lead_creates_a_policy(signed_in, store):
    response = signed_in.post("/settings/service-targets/policies/new/", POLICY_POST)
    assert response.status_code == 302
    policy = Policy.objects.for_store(store).get()
    assert (policy.channels, policy.priorities, policy.customer_tags) == (
        ["email", "chat"],
        ["urgent"],
        ["VIP", "опт"],
    )
    assert (policy.first_response_minutes, policy.first_response_business, policy.resolution_minutes) == (
        15,
        True,
        240,
    )
    assert (policy.warn_percent, policy.breach_raise_priority, policy.escalate_admin_after_minutes) == (
        80,
        True,
        30,
    )
    page = signed_in.get("/settings/service-targets/")
    assert "Срочные" in page.content.decode()


def test_a_policy_without_targets_is_refused_and_nothing_saved(signed_in, store):
    data = {k: v for k, v in POLICY_POST.items() if not k.endswith("_minutes")}
    response = signed_in.post("/settings/service-targets/policies/new/", data)
    assert response.status_code == 400
    assert "Set at least one target." in response.content.decode()
    assert Policy.objects.for_store(store).count() == 0


def test_another_stores_policy_and_calendar_are_404(signed_in, other_store):
    theirs = actions.ensure_default_policies(store=other_store)[0]
    calendar = BusinessCalendar.objects.for_store(other_store).get()
    base = "/settings/service-targets"
    assert signed_in.get(f"{base}/policies/{theirs.pk}/").status_code == 404
    assert signed_in.post(f"{base}/policies/{theirs.pk}/delete/").status_code == 404
    assert signed_in.post(f"{base}/policies/{theirs.pk}/move/", {"direction": "down"}).status_code == 404
    assert signed_in.get(f"{base}/calendars/{calendar.pk}/").status_code == 404
    assert signed_in.post(f"{base}/calendars/{calendar.pk}/delete/").status_code == 404
    assert Policy.objects.for_store(other_store).count() == 5


def test_another_stores_calendar_or_team_cannot_be_chosen(signed_in, store, other_store):
    actions.ensure_default_policies(store=other_store)
    calendar = BusinessCalendar.objects.for_store(other_store).get()
    team = make_team(other_store, "Чужая")
    response = signed_in.post(
        "/settings/service-targets/policies/new/", {**POLICY_POST, "calendar": calendar.pk, "team": team.pk}
    )
    assert response.status_code == 400
    assert Policy.objects.for_store(store).count() == 0


def test_policies_are_reordered(signed_in, store):
    policies = actions.ensure_default_policies(store=store)
    signed_in.post(f"/settings/service-targets/policies/{policies[-1].pk}/move/", {"direction": "up"})
    names = list(Policy.objects.for_store(store).in_order().values_list("name", flat=True))
    assert names == ["VIP customers", "VIP chats", "Calls", "Email, forms and messengers", "Chats"]


def test_recommended_policies_button(signed_in, store):
    assert "Create the recommended policies" in signed_in.get("/settings/service-targets/").content.decode()
    signed_in.post("/settings/service-targets/defaults/")
    assert Policy.objects.for_store(store).count() == 5


def test_calendar_with_breaks_and_a_night_shift(signed_in, store):
    response = signed_in.post("/settings/service-targets/calendars/new/", calendar_post())
    assert response.status_code == 302
    calendar = BusinessCalendar.objects.for_store(store).get()
    assert calendar.week == {
        "mon": [["09:00", "13:00"], ["14:00", "18:00"]],
        "fri": [["09:00", "16:00"]],
        "sat": [["22:00", "06:00"]],
    }
    assert calendar.holidays == ["2026-01-01", "2026-01-02"]
    assert calendar.team_id is None
    calendar.to_calendar()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"week_mon": "9 to 5"}, "Write intervals as 09:00–13:00"),
        ({"timezone": "Mars/Olympus"}, "The calendar is not valid"),
        ({"holidays": "31.12.2026"}, "is not a date"),
        ({"week_tue": "25:00-26:00"}, "The calendar is not valid"),
    ],
    ids=["interval", "timezone", "date", "clock"],
)
def test_bad_calendar_input_is_explained(signed_in, store, overrides, message):
    response = signed_in.post("/settings/service-targets/calendars/new/", calendar_post(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert BusinessCalendar.objects.for_store(store).count() == 0


def test_a_second_default_calendar_is_a_conflict(signed_in, store):
    signed_in.post("/settings/service-targets/calendars/new/", calendar_post())
    response = signed_in.post("/settings/service-targets/calendars/new/", calendar_post(name="Второй"))
    assert response.status_code == 409
    assert "already has a default calendar" in response.content.decode()


def test_team_calendar(signed_in, store):
    team = make_team(store, "Склад")
    signed_in.post("/settings/service-targets/calendars/new/", calendar_post(team=team.pk))
    assert BusinessCalendar.objects.for_store(store).get().team_id == team.pk


CSV = (
    "Год/Месяц,Январь,Февраль,Март,Апрель,Май,Июнь,Июль,Август,Сентябрь,Октябрь,Ноябрь,Декабрь,"
    "Всего рабочих дней,Всего праздничных и выходных дней,Количество рабочих часов при 40-часовой рабочей неделе\n"
    '2026,"1,2,3,4,5,6,7,8,9,10,11,17,18,24,25,31","1,7,8,14,15,21,22,23*,28","1,7,8,9,14,15,21,22,28,29",'
    '"4,5,11,12,18,19,25,26,30*","1,2,3,9,10,11,16,17,23,24,30,31","6,7,11*,12,13,14,20,21,27,28",'
    '"4,5,11,12,18,19,25,26","1,2,8,9,15,16,22,23,29,30","5,6,12,13,19,20,26,27",'
    '"3,4,10,11,17,18,24,25","1,3*,4,7,8,14,15,21,22,28,29","5,6,12,13,19,20,26,27,31",247,118,1972\n'
)


def test_import_of_a_production_calendar(signed_in, store):
    calendar = actions.save_calendar(
        store=store, by=Actor.system(), name="Офис", timezone="Europe/Moscow", week=actions.DEFAULT_WEEK
    )
    upload = SimpleUploadedFile("calendar.csv", CSV.encode(), content_type="text/csv")
    response = signed_in.post(f"/settings/service-targets/calendars/{calendar.pk}/import/", {"file": upload})
    assert response.status_code == 302
    calendar.refresh_from_db()
    assert "2026-01-01" in calendar.holidays
    assert "2026-03-09" in calendar.holidays
    assert "2026-04-30" in calendar.shortened
    assert "2026-04-30" not in calendar.holidays
    calendar.to_calendar()


def test_import_of_a_bad_file_shows_a_clear_error_and_keeps_the_calendar(signed_in, store):
    calendar = actions.save_calendar(
        store=store,
        by=Actor.system(),
        name="Офис",
        timezone="Europe/Moscow",
        week=actions.DEFAULT_WEEK,
        holidays=["2025-12-31"],
    )
    upload = SimpleUploadedFile("calendar.csv", b"\x00\x01 not a calendar", content_type="text/csv")
    response = signed_in.post(f"/settings/service-targets/calendars/{calendar.pk}/import/", {"file": upload})
    assert response.status_code == 400
    assert "could not be read as a production calendar" in response.content.decode()
    calendar.refresh_from_db()
    assert calendar.holidays == ["2025-12-31"]


def test_choice_lists_match_the_conversation_models():
    from zabota.conversations.models import Category, Channel, Priority

    assert list(actions.CHANNELS) == Channel.values
    assert list(actions.CATEGORIES) == Category.values
    assert list(actions.PRIORITIES) == Priority.values


def test_actions_refuse_agents(store, agent):
    from zabota.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.ensure_default_policies(store=store, by=Actor.of_agent(agent))
