"""Changing a conversation's owner, team, tier, status, priority, category, subject and tags."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zabota.conversations.actions._common import announce_update, check_can_work, record_event
from zabota.conversations.models import Category, Conversation, EventType, Priority, Status, Tag
from zabota.conversations.targets import refresh_targets
from zabota.core.errors import Conflict, InvalidInput, PermissionDenied
from zabota.stores.actors import Actor
from zabota.stores.models import Agent, Team, Tier
from zabota.stores.permissions import Perm, has_perm

MAX_TAGS = 30


def _check_agent(conversation: Conversation, agent: Agent | None) -> None:
    if agent is None:
        return
    if agent.store_id != conversation.store_id:
        raise InvalidInput(_("The agent does not belong to this store."), field="assignee")
    if not agent.is_active:
        raise InvalidInput(_("The agent is deactivated."), field="assignee")


def _check_team(conversation: Conversation, team: Team | None) -> None:
    if team is not None and team.store_id != conversation.store_id:
        raise InvalidInput(_("The team does not belong to this store."), field="team")


def assign(*, conversation: Conversation, to: Agent | None, by: Actor) -> Conversation:
    """Set the responsible agent. Agents may take or release a conversation; leads assign anyone."""
    check_can_work(by, conversation)
    _check_agent(conversation, to)
    if conversation.assignee_id == (to.pk if to else None):
        return conversation
    self_service = by.agent is not None and (
        (to is not None and to.pk == by.agent.pk) or (to is None and conversation.assignee_id == by.agent.pk)
    )
    if not self_service and not has_perm(by, Perm.ASSIGN_OTHERS):
        raise PermissionDenied(_("Only a team lead can assign conversations to other agents; use transfer."))
    with transaction.atomic():
        previous = conversation.assignee_id
        conversation.assignee = to
        conversation.save(update_fields=["assignee", "updated_at"])
        record_event(
            conversation=conversation,
            type=EventType.ASSIGNED,
            by=by,
            payload={"from": previous, "to": to.pk if to else None, "to_name": to.display_name if to else ""},
        )
        announce_update(conversation, changes={"assignee_id": [previous, to.pk if to else None]})
        refresh_targets([conversation.pk])
    return conversation


def set_team(*, conversation: Conversation, team: Team | None, by: Actor) -> Conversation:
    check_can_work(by, conversation)
    _check_team(conversation, team)
    if conversation.team_id == (team.pk if team else None):
        return conversation
    with transaction.atomic():
        previous = conversation.team_id
        conversation.team = team
        conversation.save(update_fields=["team", "updated_at"])
        record_event(
            conversation=conversation,
            type=EventType.TEAM_CHANGED,
            by=by,
            payload={"from": previous, "to": team.pk if team else None, "to_name": team.name if team else ""},
        )
        announce_update(conversation, changes={"team_id": [previous, team.pk if team else None]})
        refresh_targets([conversation.pk])
    return conversation


def transfer(
    *,
    conversation: Conversation,
    by: Actor,
    to_agent: Agent | None = None,
    to_team: Team | None = None,
    reason: str = "",
) -> Conversation:
    """Hand a conversation to another agent and/or team, with a reason; counts transfers."""
    check_can_work(by, conversation)
    if to_agent is None and to_team is None:
        raise InvalidInput(_("Choose an agent or a team to transfer to."), field="to_agent")
    _check_agent(conversation, to_agent)
    _check_team(conversation, to_team)
    with transaction.atomic():
        before: dict[str, Any] = {"assignee_id": conversation.assignee_id, "team_id": conversation.team_id}
        if to_team is not None:
            conversation.team = to_team
        conversation.assignee = to_agent
        conversation.transfer_count += 1
        conversation.save(update_fields=["team", "assignee", "transfer_count", "updated_at"])
        record_event(
            conversation=conversation,
            type=EventType.TRANSFERRED,
            by=by,
            payload={
                "from_agent": before["assignee_id"],
                "from_team": before["team_id"],
                "to_agent": to_agent.pk if to_agent else None,
                "to_agent_name": to_agent.display_name if to_agent else "",
                "to_team": conversation.team_id,
                "to_team_name": conversation.team.name if conversation.team else "",
                "reason": reason.strip()[:500],
            },
        )
        announce_update(
            conversation,
            changes={
                "assignee_id": [before["assignee_id"], conversation.assignee_id],
                "team_id": [before["team_id"], conversation.team_id],
            },
        )
        refresh_targets([conversation.pk])
    return conversation


def escalate(
    *,
    conversation: Conversation,
    by: Actor,
    reason: str = "",
    to_agent: Agent | None = None,
    to_team: Team | None = None,
) -> Conversation:
    """L1 → L2: the tier rises; an L1 assignee hands over to the L2 agent given, or to the L2 queue."""
    check_can_work(by, conversation)
    if conversation.tier == Tier.L2:
        raise Conflict(_("The conversation is already on L2."), field="tier")
    if to_agent is not None and to_agent.tier != Tier.L2:
        raise InvalidInput(_("Escalate to an L2 agent."), field="to_agent")
    _check_agent(conversation, to_agent)
    _check_team(conversation, to_team)
    with transaction.atomic():
        previous_assignee = conversation.assignee_id
        conversation.tier = Tier.L2
        if to_agent is not None:
            conversation.assignee = to_agent
        elif conversation.assignee is not None and conversation.assignee.tier != Tier.L2:
            conversation.assignee = None
        if to_team is not None:
            conversation.team = to_team
        conversation.save(update_fields=["tier", "assignee", "team", "updated_at"])
        record_event(
            conversation=conversation,
            type=EventType.ESCALATED,
            by=by,
            payload={
                "from": Tier.L1,
                "to": Tier.L2,
                "reason": reason.strip()[:500],
                "from_agent": previous_assignee,
                "to_agent": conversation.assignee_id,
                "to_agent_name": conversation.assignee.display_name if conversation.assignee else "",
            },
        )
        changes: dict[str, Any] = {"tier": [Tier.L1, Tier.L2]}
        if previous_assignee != conversation.assignee_id:
            changes["assignee_id"] = [previous_assignee, conversation.assignee_id]
        announce_update(conversation, changes=changes)
        refresh_targets([conversation.pk])
    return conversation


def set_status(*, conversation: Conversation, status: str, by: Actor) -> Conversation:
    check_can_work(by, conversation)
    if status not in Status.values:
        raise InvalidInput(_("Unknown status “%(status)s”.") % {"status": str(status)[:30]}, field="status")
    if conversation.status == status:
        return conversation
    if status == Status.NEW:
        raise InvalidInput(_("A conversation cannot go back to “new”."), field="status")
    with transaction.atomic():
        previous = conversation.status
        now = timezone.now()
        conversation.status = status
        fields = ["status", "updated_at"]
        if status == Status.SOLVED:
            conversation.solved_at = now
            conversation.waiting_since = None
            fields += ["solved_at", "waiting_since"]
        elif status == Status.CLOSED:
            conversation.closed_at = now
            conversation.waiting_since = None
            fields += ["closed_at", "waiting_since"]
            if conversation.solved_at is None:
                conversation.solved_at = now
                fields.append("solved_at")
        elif status == Status.PENDING:
            conversation.waiting_since = None
            fields.append("waiting_since")
        elif previous in (Status.SOLVED, Status.CLOSED):
            conversation.solved_at = None
            conversation.closed_at = None
            fields += ["solved_at", "closed_at"]
        conversation.save(update_fields=fields)
        record_event(
            conversation=conversation,
            type=EventType.STATUS_CHANGED,
            by=by,
            payload={"from": previous, "to": status},
        )
        announce_update(conversation, changes={"status": [previous, status]}, status_changed=True)
        refresh_targets([conversation.pk])
    return conversation


def _set_choice(
    *, conversation: Conversation, field: str, value: str, allowed: list[str], event: str, by: Actor
) -> Conversation:
    check_can_work(by, conversation)
    if value not in allowed:
        raise InvalidInput(
            _("“%(value)s” is not a valid %(field)s.") % {"value": str(value)[:30], "field": field},
            field=field,
        )
    previous = getattr(conversation, field)
    if previous == value:
        return conversation
    with transaction.atomic():
        setattr(conversation, field, value)
        conversation.save(update_fields=[field, "updated_at"])
        record_event(conversation=conversation, type=event, by=by, payload={"from": previous, "to": value})
        announce_update(conversation, changes={field: [previous, value]})
        refresh_targets([conversation.pk])
    return conversation


def set_priority(*, conversation: Conversation, priority: str, by: Actor) -> Conversation:
    return _set_choice(
        conversation=conversation,
        field="priority",
        value=priority,
        allowed=Priority.values,
        event=EventType.PRIORITY_CHANGED,
        by=by,
    )


def set_category(*, conversation: Conversation, category: str, by: Actor) -> Conversation:
    return _set_choice(
        conversation=conversation,
        field="category",
        value=category,
        allowed=Category.values,
        event=EventType.CATEGORY_CHANGED,
        by=by,
    )


def set_subject(*, conversation: Conversation, subject: str, by: Actor) -> Conversation:
    check_can_work(by, conversation)
    subject = subject.strip()
    if len(subject) > 300:
        raise InvalidInput(_("The subject is longer than 300 characters."), field="subject")
    if subject == conversation.subject:
        return conversation
    with transaction.atomic():
        previous = conversation.subject
        conversation.subject = subject
        conversation.save(update_fields=["subject", "updated_at"])
        record_event(
            conversation=conversation,
            type=EventType.SUBJECT_CHANGED,
            by=by,
            payload={"from": previous, "to": subject},
        )
        announce_update(conversation, changes={"subject": [previous, subject]})
    return conversation


def _clean_tag_names(names: list[str]) -> list[str]:
    cleaned: list[str] = []
    for name in names:
        if not isinstance(name, str):
            raise InvalidInput(_("Tag names must be strings."), field="tags")
        tag = " ".join(name.strip().lower().split())
        if not tag:
            continue
        if len(tag) > 60:
            raise InvalidInput(_("A tag is longer than 60 characters."), field="tags")
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise InvalidInput(_("A conversation can have at most %(n)s tags.") % {"n": MAX_TAGS}, field="tags")
    return cleaned


def set_tags(*, conversation: Conversation, names: list[str], by: Actor) -> Conversation:
    """Replace the tags; unknown tags are created in the store."""
    check_can_work(by, conversation)
    wanted = _clean_tag_names(names)
    with transaction.atomic():
        current = sorted(conversation.tags.values_list("name", flat=True))
        if sorted(wanted) == current:
            return conversation
        tags = []
        for name in wanted:
            tag, _created = Tag.objects.get_or_create(store_id=conversation.store_id, name=name)
            tags.append(tag)
        conversation.tags.set(tags)
        conversation.save(update_fields=["updated_at"])
        added = sorted(set(wanted) - set(current))
        removed = sorted(set(current) - set(wanted))
        record_event(
            conversation=conversation,
            type=EventType.TAGS_CHANGED,
            by=by,
            payload={"added": added, "removed": removed},
        )
        announce_update(conversation, changes={"tags": [current, sorted(wanted)]})
    return conversation


def add_tags(*, conversation: Conversation, names: list[str], by: Actor) -> Conversation:
    current = list(conversation.tags.values_list("name", flat=True))
    return set_tags(conversation=conversation, names=current + names, by=by)


def remove_tags(*, conversation: Conversation, names: list[str], by: Actor) -> Conversation:
    drop = set(_clean_tag_names(names))
    current = [n for n in conversation.tags.values_list("name", flat=True) if n not in drop]
    return set_tags(conversation=conversation, names=current, by=by)
