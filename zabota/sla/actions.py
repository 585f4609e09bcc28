"""Writes to service-target configuration: calendars and policies (admins and team leads).

Deadlines of conversations are not touched here: ``sla`` sits below ``conversations``. An edited policy
applies to a conversation from its next event (ADR 0010).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from zabota.core.errors import Conflict, InvalidInput
from zabota.sla.deadlines import Calendar
from zabota.sla.models import BusinessCalendar, Policy
from zabota.stores.actors import Actor
from zabota.stores.models import Store, Team
from zabota.stores.permissions import Perm, require

#: Conversation values the policy conditions may name (``conversations`` owns the models; a test keeps
#: these lists equal to its choices).
CHANNELS = ("email", "chat", "webform", "telegram", "vk", "whatsapp", "viber", "phone", "api")
CATEGORIES = ("technical", "product", "order", "delivery", "return", "payment", "consultation", "other")
PRIORITIES = ("low", "normal", "high", "urgent")
MESSAGE_CHANNELS = ("email", "webform", "api", "telegram", "vk", "whatsapp", "viber")

DEFAULT_WEEK = {day: [["09:00", "13:00"], ["14:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
#: Three business days of the default calendar (8 working hours a day).
THREE_BUSINESS_DAYS = 3 * 8 * 60
MAX_TARGET_MINUTES = 60 * 24 * 365


@dataclass(frozen=True)
class PolicyFields:
    """Everything an administrator edits on a policy (``store`` and ``position`` are managed here)."""

    name: str
    is_active: bool = True
    channels: Sequence[str] = ()
    categories: Sequence[str] = ()
    priorities: Sequence[str] = ()
    customer_tags: Sequence[str] = ()
    team: Team | None = None
    calendar: BusinessCalendar | None = None
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    update_minutes: int | None = None
    resolution_minutes: int | None = None
    first_response_business: bool = False
    next_response_business: bool = False
    update_business: bool = False
    resolution_business: bool = False
    queue_wait_seconds: int | None = None
    warn_percent: int = 75
    breach_raise_priority: bool = False
    breach_reassign: bool = False
    breach_escalate_l2: bool = False
    escalate_admin_after_minutes: int | None = None


# --- calendars --------------------------------------------------------------------------------------


def _check_team(store: Store, team: Team | None) -> None:
    if team is not None and team.store_id != store.pk:
        raise InvalidInput(_("The team does not belong to this store."), field="team")


def _dates(values: Iterable[str | date], field: str) -> list[str]:
    out: set[str] = set()
    for value in values:
        text = value.isoformat() if isinstance(value, date) else str(value).strip()
        if not text:
            continue
        try:
            out.add(date.fromisoformat(text).isoformat())
        except ValueError:
            raise InvalidInput(
                _("“%(value)s” is not a date (use YYYY-MM-DD).") % {"value": text[:30]}, field=field
            ) from None
    return sorted(out)


def validate_calendar(data: dict[str, Any]) -> Calendar:
    """Build the pure calendar or say which part is wrong."""
    try:
        return Calendar.from_dict(data)
    except ValueError as exc:
        message = str(exc)
        field = message.split(":", 1)[0].split(".")[0].strip() if ":" in message else None
        raise InvalidInput(
            _("The calendar is not valid: %(error)s") % {"error": message},
            field=field if field in ("timezone", "week", "holidays", "workdays", "shortened") else None,
        ) from None


def save_calendar(
    *,
    store: Store,
    by: Actor,
    name: str,
    timezone: str,
    week: dict[str, list[list[str]]],
    holidays: Iterable[str | date] = (),
    workdays: Iterable[str | date] = (),
    shortened: Iterable[str | date] = (),
    team: Team | None = None,
    calendar: BusinessCalendar | None = None,
) -> BusinessCalendar:
    """Create (``calendar`` None) or replace a calendar; the store default has no team."""
    require(by, Perm.MANAGE_SERVICE_TARGETS, store=store)
    _check_team(store, team)
    if calendar is not None and calendar.store_id != store.pk:
        raise InvalidInput(_("The calendar belongs to another store."), field="calendar")
    name = name.strip()
    if not name:
        raise InvalidInput(_("Give the calendar a name."), field="name")
    zone = timezone.strip()
    dates = {
        "holidays": _dates(holidays, "holidays"),
        "workdays": _dates(workdays, "workdays"),
        "shortened": _dates(shortened, "shortened"),
    }
    validate_calendar({"timezone": zone, "week": week, **dates})
    row = calendar or BusinessCalendar(store=store)
    row.name = name[:120]
    row.team = team
    row.timezone = zone
    row.week = week
    row.holidays, row.workdays, row.shortened = dates["holidays"], dates["workdays"], dates["shortened"]
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        if team is None:
            raise Conflict(_("The store already has a default calendar."), field="team") from None
        raise Conflict(
            _("Team %(team)s already has a calendar.") % {"team": team.name}, field="team"
        ) from None
    return row


def delete_calendar(*, calendar: BusinessCalendar, by: Actor) -> None:
    require(by, Perm.MANAGE_SERVICE_TARGETS, store=calendar.store_id)
    calendar.delete()


def import_production_calendar(
    *, calendar: BusinessCalendar, by: Actor, filename: str, content: bytes
) -> tuple[int, int, int]:
    """Add the holidays, moved workdays and shortened days of a production calendar file (CSV or iCal).

    Dates of the file replace the calendar's dates of the same years; returns the counts imported.
    """
    from zabota.sla import prodcal

    require(by, Perm.MANAGE_SERVICE_TARGETS, store=calendar.store_id)
    if not content:
        raise InvalidInput(_("The file is empty."), field="file")
    try:
        parsed = prodcal.parse_production_calendar(content)
    except ValueError as exc:
        raise InvalidInput(
            _("The file could not be read as a production calendar: %(error)s") % {"error": str(exc)[:300]},
            field="file",
        ) from None
    holidays = sorted({d.isoformat() for d in parsed.holidays})
    workdays = sorted({d.isoformat() for d in parsed.workdays})
    shortened = sorted({d.isoformat() for d in parsed.shortened})
    if not (holidays or workdays or shortened):
        raise InvalidInput(_("The file has no holidays or working days."), field="file")
    years = {d[:4] for d in (*holidays, *workdays, *shortened)}

    def merge(old: list[str], new: list[str]) -> list[str]:
        return sorted({d for d in old if d[:4] not in years} | set(new))

    save_calendar(
        store=calendar.store,
        by=by,
        calendar=calendar,
        name=calendar.name,
        timezone=calendar.timezone,
        week=calendar.week,
        team=calendar.team,
        holidays=merge(calendar.holidays, holidays),
        workdays=merge(calendar.workdays, workdays),
        shortened=merge(calendar.shortened, shortened),
    )
    return len(holidays), len(workdays), len(shortened)


# --- policies ---------------------------------------------------------------------------------------


def _subset(values: Sequence[str], allowed: Sequence[str], field: str) -> list[str]:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise InvalidInput(
            _("Unknown values: %(values)s.") % {"values": ", ".join(v[:30] for v in unknown)}, field=field
        )
    return [v for v in allowed if v in set(values)]


def _minutes(value: int | None, field: str, *, limit: int = MAX_TARGET_MINUTES) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or value > limit:
        raise InvalidInput(
            _("Enter a whole number from 1 to %(limit)s, or leave it empty.") % {"limit": limit}, field=field
        )
    return value


def _clean_tags(tags: Sequence[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        cleaned = " ".join(str(tag).split())[:60]
        if cleaned and cleaned.casefold() not in {t.casefold() for t in out}:
            out.append(cleaned)
    return out


def save_policy(*, store: Store, by: Actor, fields: PolicyFields, policy: Policy | None = None) -> Policy:
    """Create (at the end of the list) or update a policy."""
    require(by, Perm.MANAGE_SERVICE_TARGETS, store=store)
    if policy is not None and policy.store_id != store.pk:
        raise InvalidInput(_("The policy belongs to another store."), field="policy")
    _check_team(store, fields.team)
    if fields.calendar is not None and fields.calendar.store_id != store.pk:
        raise InvalidInput(_("The calendar belongs to another store."), field="calendar")
    name = fields.name.strip()
    if not name:
        raise InvalidInput(_("Give the policy a name."), field="name")
    if not 1 <= fields.warn_percent <= 100:
        raise InvalidInput(_("The warning threshold is a percentage from 1 to 100."), field="warn_percent")
    targets = {
        "first_response_minutes": _minutes(fields.first_response_minutes, "first_response_minutes"),
        "next_response_minutes": _minutes(fields.next_response_minutes, "next_response_minutes"),
        "update_minutes": _minutes(fields.update_minutes, "update_minutes"),
        "resolution_minutes": _minutes(fields.resolution_minutes, "resolution_minutes"),
        "queue_wait_seconds": _minutes(fields.queue_wait_seconds, "queue_wait_seconds", limit=24 * 3600),
        "escalate_admin_after_minutes": _minutes(
            fields.escalate_admin_after_minutes, "escalate_admin_after_minutes"
        ),
    }
    if not any(v for k, v in targets.items() if k != "escalate_admin_after_minutes"):
        raise InvalidInput(_("Set at least one target."), field="first_response_minutes")
    with transaction.atomic():
        if policy is None:
            last = Policy.objects.for_store(store).order_by("-position").values_list("position", flat=True)
            policy = Policy(store=store, position=(last.first() or 0) + 10)
        policy.name = name[:120]
        policy.is_active = fields.is_active
        policy.channels = _subset(fields.channels, CHANNELS, "channels")
        policy.categories = _subset(fields.categories, CATEGORIES, "categories")
        policy.priorities = _subset(fields.priorities, PRIORITIES, "priorities")
        policy.customer_tags = _clean_tags(fields.customer_tags)
        policy.team = fields.team
        policy.calendar = fields.calendar
        for key, value in targets.items():
            setattr(policy, key, value)
        policy.first_response_business = fields.first_response_business
        policy.next_response_business = fields.next_response_business
        policy.update_business = fields.update_business
        policy.resolution_business = fields.resolution_business
        policy.warn_percent = fields.warn_percent
        policy.breach_raise_priority = fields.breach_raise_priority
        policy.breach_reassign = fields.breach_reassign
        policy.breach_escalate_l2 = fields.breach_escalate_l2
        policy.save()
    return policy


def delete_policy(*, policy: Policy, by: Actor) -> None:
    require(by, Perm.MANAGE_SERVICE_TARGETS, store=policy.store_id)
    policy.delete()


def move_policy(*, policy: Policy, by: Actor, up: bool) -> None:
    """Swap with the neighbour above or below; positions are renumbered 10, 20, … on the way."""
    require(by, Perm.MANAGE_SERVICE_TARGETS, store=policy.store_id)
    with transaction.atomic():
        ordered = list(Policy.objects.for_store(policy.store_id).select_for_update().in_order())
        index = next(i for i, p in enumerate(ordered) if p.pk == policy.pk)
        other = index - 1 if up else index + 1
        if 0 <= other < len(ordered):
            ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, item in enumerate(ordered, start=1):
            item.position = position * 10
        Policy.objects.bulk_update(ordered, ["position"])


def ensure_default_policies(*, store: Store, by: Actor | None = None) -> list[Policy]:
    """The store's default calendar and policies from the issue's figures, if it has no policy yet.

    Calls: the target is to answer in 10 s and 20 s is the most a caller may wait, so the queue wait
    target is 20 s with the warning at 50 % (10 s). Chats: first response in 5 minutes, every next
    answer and the resolution within an hour. Messages (email, forms, API, messengers): first and next
    response within 60 business minutes, resolution within 3 business days. VIP customers (tag "VIP"):
    half of every target, checked first.
    """
    by = by or Actor.system()
    require(by, Perm.MANAGE_SERVICE_TARGETS, store=store)
    with transaction.atomic():
        existing = list(Policy.objects.for_store(store).in_order())
        if existing:
            return existing
        if not BusinessCalendar.objects.for_store(store).filter(team__isnull=True).exists():
            save_calendar(
                store=store,
                by=by,
                name=_("Working hours"),
                timezone=store.timezone,
                week=DEFAULT_WEEK,
            )
        defaults = [
            PolicyFields(
                name=_("VIP customers"),
                customer_tags=("VIP",),
                channels=MESSAGE_CHANNELS,
                first_response_minutes=30,
                next_response_minutes=30,
                resolution_minutes=THREE_BUSINESS_DAYS // 2,
                first_response_business=True,
                next_response_business=True,
                resolution_business=True,
            ),
            PolicyFields(
                name=_("VIP chats"),
                customer_tags=("VIP",),
                channels=("chat",),
                first_response_minutes=2,
                next_response_minutes=30,
                resolution_minutes=30,
                queue_wait_seconds=30,
            ),
            PolicyFields(name=_("Calls"), channels=("phone",), queue_wait_seconds=20, warn_percent=50),
            PolicyFields(
                name=_("Chats"),
                channels=("chat",),
                first_response_minutes=5,
                next_response_minutes=60,
                resolution_minutes=60,
            ),
            PolicyFields(
                name=_("Email, forms and messengers"),
                channels=MESSAGE_CHANNELS,
                first_response_minutes=60,
                next_response_minutes=60,
                resolution_minutes=THREE_BUSINESS_DAYS,
                first_response_business=True,
                next_response_business=True,
                resolution_business=True,
            ),
        ]
        return [save_policy(store=store, by=by, fields=fields) for fields in defaults]
