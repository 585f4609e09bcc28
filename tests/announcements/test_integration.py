"""With the real notifications app: one notification per agent and announcement; the demo store's announcements."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.announcements.helpers import hours, publish
from tests.factories import make_agent, make_team
from zabota.announcements import actions
from zabota.announcements.actions import Draft
from zabota.announcements.incidents import active_incidents
from zabota.announcements.models import Announcement
from zabota.announcements.queries import must_read_pending, unread_for
from zabota.demo.data.people import TEAM_L1, TEAMS
from zabota.demo.seed import seed_announcements
from zabota.notify.models import Notification
from zabota.stores.actors import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def notified():
    """Overrides the package's recorder: these tests go through ``zabota.notify.actions.notify``."""


def test_publish_edit_and_the_job_notify_each_agent_once(store, agent, lead):
    # given a scheduled announcement
    announcement = publish(store, Actor.of_agent(lead), title="Акция выходного дня", starts_at=hours(1))
    assert Notification.objects.count() == 0

    # when it starts, the job runs twice and the lead edits it
    Announcement.objects.filter(pk=announcement.pk).update(starts_at=hours(-0.5))
    actions.announce_started()
    actions.announce_started()
    actions.update(
        announcement=announcement, draft=Draft(title="Акция выходного дня!"), by=Actor.of_agent(lead)
    )

    # then
    rows = Notification.objects.filter(store=store).order_by("agent_id")
    assert [(n.agent_id, n.kind, n.dedupe_key) for n in rows] == [
        (agent.pk, "announcement.published", f"announcement:{announcement.pk}"),
        (lead.pk, "announcement.published", f"announcement:{announcement.pk}"),
    ]


def test_demo_store_announcements_include_the_snow_incident(store, lead):
    # given the demo's first-line team and one of its agents
    first_line = make_team(store, TEAM_L1)
    teams = {name: first_line if name == TEAM_L1 else make_team(store, name) for name, _d in TEAMS}
    olga = make_agent(store, name="Ольга Кузнецова")
    olga.teams.add(first_line)
    outsider = make_agent(store, name="Вне первой линии")

    # when
    seed_announcements(store, lead, teams, now=timezone.now())

    # then
    assert Announcement.objects.for_store(store).count() == 3
    assert [n.public_text for n in active_incidents(store.pk)] == [
        "Из-за снегопада доставка задерживается на 1–2 дня"
    ]
    assert len(unread_for(olga)) == 3
    assert len(unread_for(outsider)) == 2
    assert [a.title for a in must_read_pending(olga)] == ["Снегопад: задержка доставки по Москве и области"]
    assert Notification.objects.filter(store=store, agent=olga, kind="announcement.published").count() == 3
