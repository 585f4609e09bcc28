"""Writes: leads publish, edit and archive announcements; agents read and acknowledge them.

Publishing notifies the audience (``notify``, deduplicated on ``announcement:<id>`` so a retry or a
later edit never notifies anyone twice) once the announcement is active; a scheduled one is announced
by the worker's ``announce_started`` job when its time comes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zabota.announcements.models import Acknowledgement, Announcement, Audience, Kind, Phase, Severity
from zabota.announcements.queries import audience_of, must_read_blocks_reply, must_read_pending, options_of
from zabota.core import realtime
from zabota.core.errors import Conflict, InvalidInput, NotFound
from zabota.notify.actions import notify
from zabota.stores.actors import Actor
from zabota.stores.models import Agent, Store, Team
from zabota.stores.permissions import Perm, require

MAX_TITLE = 200
MAX_BODY = 20_000
MAX_PUBLIC_TEXT = 1_000


@dataclass(frozen=True)
class Draft:
    """What a lead writes; ``starts_at`` None means now, ``ends_at`` None means until archived."""

    title: str
    body: str = ""
    kind: str = Kind.OTHER
    severity: str = Severity.INFO
    audience: str = Audience.EVERYONE
    teams: Sequence[Team] = ()
    must_read: bool = False
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    is_incident: bool = False
    public_text: str = ""


def _clean(store: Store, draft: Draft, *, now: datetime) -> dict[str, Any]:
    title = draft.title.strip()
    if not title:
        raise InvalidInput(_("Give the announcement a title."), field="title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(
            _("The title is too long (at most %(n)d characters).") % {"n": MAX_TITLE}, field="title"
        )
    if len(draft.body) > MAX_BODY:
        raise InvalidInput(
            _("The text is too long (at most %(n)d characters).") % {"n": MAX_BODY}, field="body"
        )
    if draft.kind not in Kind.values:
        raise InvalidInput(_("Unknown kind “%(value)s”.") % {"value": draft.kind[:30]}, field="kind")
    if draft.severity not in Severity.values:
        raise InvalidInput(
            _("Unknown severity “%(value)s”.") % {"value": draft.severity[:30]}, field="severity"
        )
    if draft.audience not in Audience.values:
        raise InvalidInput(
            _("Unknown audience “%(value)s”.") % {"value": draft.audience[:30]}, field="audience"
        )
    teams = list(draft.teams) if draft.audience == Audience.TEAMS else []
    if draft.audience == Audience.TEAMS and not teams:
        raise InvalidInput(_("Choose at least one team."), field="teams")
    if any(team.store_id != store.pk for team in teams):
        raise InvalidInput(_("The team does not belong to this store."), field="teams")
    starts_at = draft.starts_at or now
    for name, value in (("starts_at", starts_at), ("ends_at", draft.ends_at)):
        if value is not None and timezone.is_naive(value):
            raise InvalidInput(_("A date needs a time zone."), field=name)
    if draft.ends_at is not None and draft.ends_at <= starts_at:
        raise InvalidInput(_("The end must be after the start."), field="ends_at")
    public_text = draft.public_text.strip()
    if draft.is_incident and not public_text:
        raise InvalidInput(_("An incident needs a text for customers."), field="public_text")
    if len(public_text) > MAX_PUBLIC_TEXT:
        raise InvalidInput(
            _("The text for customers is too long (at most %(n)d characters).") % {"n": MAX_PUBLIC_TEXT},
            field="public_text",
        )
    return {
        "fields": {
            "title": title,
            "body": draft.body.strip(),
            "kind": draft.kind,
            "severity": draft.severity,
            "audience": draft.audience,
            "must_read": draft.must_read,
            "starts_at": starts_at,
            "ends_at": draft.ends_at,
            "is_incident": draft.is_incident,
            "public_text": public_text,
        },
        "teams": teams,
    }


def _url(announcement: Announcement) -> str:
    try:
        return reverse("announcements:detail", args=[announcement.pk])
    except NoReverseMatch:  # an API-only URL map (tests) has no workspace pages
        return ""


def _payload(announcement: Announcement) -> dict[str, Any]:
    return {
        "id": announcement.pk,
        "title": announcement.title,
        "kind": announcement.kind,
        "severity": announcement.severity,
        "must_read": announcement.must_read,
        "audience": announcement.audience,
        "team_ids": sorted(team.pk for team in announcement.teams.all()),
        "is_incident": announcement.is_incident,
        "phase": announcement.phase().value,
    }


def _publish_after_commit(announcement: Announcement, event: str) -> None:
    payload = _payload(announcement)
    store_id = announcement.store_id
    transaction.on_commit(lambda: realtime.publish(store_id, event, "agents", payload))


def _announce_if_started(announcement: Announcement, *, now: datetime) -> int:
    """Notify the audience of an active announcement; deduplicated per agent, so safe to repeat."""
    if announcement.phase(now) != Phase.ACTIVE:
        return 0
    created = notify(
        store_id=announcement.store_id,
        agent_ids=list(audience_of(announcement).values_list("pk", flat=True)),
        kind="announcement.published",
        title=announcement.title,
        body=announcement.body[:500],
        url=_url(announcement),
        severity=announcement.severity,
        dedupe_key=f"announcement:{announcement.pk}",
        payload={"announcement_id": announcement.pk, "must_read": announcement.must_read},
    )
    if announcement.notified_at is None:
        announcement.notified_at = now
        announcement.save(update_fields=["notified_at", "updated_at"])
    return created


def publish(*, store: Store, draft: Draft, by: Actor) -> Announcement:
    require(by, Perm.MANAGE_ANNOUNCEMENTS, store=store)
    now = timezone.now()
    cleaned = _clean(store, draft, now=now)
    with transaction.atomic():
        announcement = Announcement.objects.create(store=store, created_by=by.agent, **cleaned["fields"])
        announcement.teams.set(cleaned["teams"])
        _announce_if_started(announcement, now=now)
        _publish_after_commit(announcement, "announcement.published")
    return announcement


def update(*, announcement: Announcement, draft: Draft, by: Actor) -> Announcement:
    """Replace what the lead wrote; receipts stay. Agents newly in the audience are notified."""
    require(by, Perm.MANAGE_ANNOUNCEMENTS, store=announcement.store_id)
    now = timezone.now()
    with transaction.atomic():
        announcement = (
            Announcement.objects.select_for_update(of=("self",))
            .select_related("store")
            .get(pk=announcement.pk)
        )
        if announcement.archived_at is not None:
            raise Conflict(_("An archived announcement cannot be edited."), code="archived")
        cleaned = _clean(announcement.store, draft, now=now)
        if draft.starts_at is None:  # keep the original start when the form leaves it empty
            cleaned["fields"]["starts_at"] = min(announcement.starts_at, now)
        for name, value in cleaned["fields"].items():
            setattr(announcement, name, value)
        announcement.save(update_fields=[*cleaned["fields"], "updated_at"])
        announcement.teams.set(cleaned["teams"])
        _announce_if_started(announcement, now=now)
        _publish_after_commit(announcement, "announcement.updated")
    return announcement


def archive(*, announcement: Announcement, by: Actor) -> Announcement:
    """Take it down now (idempotent); receipts are kept for the report."""
    require(by, Perm.MANAGE_ANNOUNCEMENTS, store=announcement.store_id)
    with transaction.atomic():
        announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
        if announcement.archived_at is None:
            announcement.archived_at = timezone.now()
            announcement.save(update_fields=["archived_at", "updated_at"])
            _publish_after_commit(announcement, "announcement.archived")
    return announcement


def _receipt_for(announcement: Announcement, by: Actor) -> tuple[Agent, Acknowledgement]:
    require(by, Perm.WORK_CONVERSATIONS, store=announcement.store_id)
    agent = by.agent
    if agent is None:
        raise InvalidInput(_("Only an agent can read announcements."), code="agent_required")
    visible = (
        Announcement.objects.for_audience_of(agent)
        .filter(pk=announcement.pk, starts_at__lte=timezone.now())
        .exists()
    )
    if not visible:
        raise NotFound(_("Not found."))
    receipt, _created = Acknowledgement.objects.get_or_create(
        announcement=announcement, agent=agent, defaults={"store_id": announcement.store_id}
    )
    return agent, receipt


def mark_read(*, announcement: Announcement, by: Actor) -> Acknowledgement:
    """Dismiss from the banner; the first read time is kept."""
    with transaction.atomic():
        _agent, receipt = _receipt_for(announcement, by)
        if receipt.read_at is None:
            receipt.read_at = timezone.now()
            receipt.save(update_fields=["read_at"])
    return receipt


def acknowledge(*, announcement: Announcement, by: Actor) -> Acknowledgement:
    """ "I have read it": marks it read too; the first acknowledgement time is kept."""
    with transaction.atomic():
        agent, receipt = _receipt_for(announcement, by)
        now = timezone.now()
        fields = []
        if receipt.read_at is None:
            receipt.read_at = now
            fields.append("read_at")
        if receipt.acknowledged_at is None:
            receipt.acknowledged_at = now
            fields.append("acknowledged_at")
        if fields:
            receipt.save(update_fields=fields)
            payload = {"id": announcement.pk, "agent_id": agent.pk}
            store_id = announcement.store_id
            transaction.on_commit(
                lambda: realtime.publish(store_id, "announcement.acknowledged", "agents", payload)
            )
    return receipt


def check_can_reply(*, by: Actor) -> None:
    """Refuse an agent's reply while must-read announcements wait for acknowledgement (if the store says so).

    Integrations, the bot and the system are never blocked; neither are internal notes (not checked there).
    """
    agent = by.agent
    if agent is None or not must_read_blocks_reply(agent.store):
        return
    pending = must_read_pending(agent)
    if pending:
        titles = ", ".join(f"«{a.title}»" for a in pending[:5])
        raise Conflict(
            _("Acknowledge the must-read announcements before replying: %(titles)s.") % {"titles": titles},
            code="must_read_pending",
        )


def set_options(*, store: Store, by: Actor, must_read_blocks_reply: bool) -> Store:
    """Write ``Store.options["announcements"]`` under a row lock, leaving the other parts' keys alone."""
    require(by, Perm.MANAGE_STORE, store=store)
    with transaction.atomic():
        locked = Store.objects.select_for_update().get(pk=store.pk)
        options = dict(locked.options) if isinstance(locked.options, dict) else {}
        options["announcements"] = {**options_of(locked), "must_read_blocks_reply": must_read_blocks_reply}
        locked.options = options
        locked.save(update_fields=["options", "updated_at"])
    store.options = locked.options
    return store


def announce_started(*, limit: int = 200) -> int:
    """Notify the audiences of scheduled announcements that have started; returns how many were announced."""
    now = timezone.now()
    announced = 0
    ids = list(
        Announcement.objects.active(now).filter(notified_at__isnull=True).values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        with transaction.atomic():
            announcement = (
                Announcement.objects.select_for_update().filter(pk=pk, notified_at__isnull=True).first()
            )
            if announcement is None:
                continue
            _announce_if_started(announcement, now=now)
            _publish_after_commit(announcement, "announcement.started")
            announced += 1
    return announced
