"""Macros: rendering placeholders, applying a macro, and managing macros and scripts."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from zabota.conversations.actions import properties
from zabota.conversations.actions._common import check_can_work, record_event
from zabota.conversations.actions.messages import reply
from zabota.conversations.models import (
    Category,
    Conversation,
    EventType,
    Macro,
    Priority,
    Script,
    ScriptStep,
    Status,
)
from zabota.core.errors import Conflict, InvalidInput
from zabota.stores.actors import Actor
from zabota.stores.models import Agent, Store
from zabota.stores.permissions import Perm, require

_PLACEHOLDER = re.compile(r"\{(customer|agent|conversation|store)\.([a-z_]+)\}")
ALLOWED_ACTIONS = {"set_status", "set_priority", "set_category", "add_tags", "assign"}


def placeholder_values(conversation: Conversation, agent: Agent | None) -> dict[str, str]:
    customer = conversation.customer
    return {
        "customer.first_name": customer.first_name or customer.display_name.split(" ")[0],
        "customer.last_name": customer.last_name,
        "customer.name": customer.display_name,
        "agent.name": agent.display_name if agent else "",
        "agent.first_name": agent.first_name if agent else "",
        "conversation.number": str(conversation.number),
        "conversation.subject": conversation.subject,
        "store.name": conversation.store.name,
    }


def render(text: str, values: dict[str, str]) -> str:
    """Replace known ``{scope.field}`` placeholders; unknown ones stay visible so the agent notices."""
    return _PLACEHOLDER.sub(lambda m: values.get(f"{m.group(1)}.{m.group(2)}", m.group(0)), text)


def validate_actions(actions: Any) -> dict[str, Any]:
    """Check and clean macro actions; an empty value (a blank select in a form) means "no action"."""
    if not isinstance(actions, dict):
        raise InvalidInput(_("Macro actions must be an object."), field="actions")
    cleaned: dict[str, Any] = {k: v for k, v in actions.items() if v is not None and v != "" and v != []}
    actions = cleaned
    unknown = set(actions) - ALLOWED_ACTIONS
    if unknown:
        raise InvalidInput(
            _("Unknown macro actions: %(names)s.") % {"names": ", ".join(sorted(unknown))}, field="actions"
        )
    checks = (
        ("set_status", Status.values),
        ("set_priority", Priority.values),
        ("set_category", Category.values),
    )
    for key, allowed in checks:
        if key in actions and actions[key] not in allowed:
            raise InvalidInput(
                _("“%(value)s” is not valid for %(key)s.") % {"value": actions[key], "key": key},
                field="actions",
            )
    tags = actions.get("add_tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise InvalidInput(_("add_tags must be a list of tag names."), field="actions")
    assign = actions.get("assign")
    if assign is not None and assign != "me" and (not isinstance(assign, int) or isinstance(assign, bool)):
        raise InvalidInput(_("assign must be “me” or an agent id."), field="actions")
    return cleaned


def apply_macro(*, conversation: Conversation, macro: Macro, by: Actor, send: bool = True) -> str:
    """Run the macro's actions; send its rendered reply if ``send``, else return the text for editing."""
    check_can_work(by, conversation)
    if macro.store_id != conversation.store_id or not macro.is_active:
        raise InvalidInput(_("This macro is not available."), field="macro")
    text = render(macro.text, placeholder_values(conversation, by.agent))
    actions = macro.actions or {}
    with transaction.atomic():
        record_event(
            conversation=conversation,
            type=EventType.MACRO_APPLIED,
            by=by,
            payload={"macro_id": macro.pk, "macro_name": macro.name},
        )
        Macro.objects.filter(pk=macro.pk).update(usage_count=F("usage_count") + 1)
        if send and text.strip():
            reply(conversation=conversation, text=text, by=by)
            conversation.refresh_from_db()
        if actions.get("add_tags"):
            properties.add_tags(conversation=conversation, names=actions["add_tags"], by=by)
        if actions.get("set_priority"):
            properties.set_priority(conversation=conversation, priority=actions["set_priority"], by=by)
        if actions.get("set_category"):
            properties.set_category(conversation=conversation, category=actions["set_category"], by=by)
        assign = actions.get("assign")
        if assign == "me" and by.agent is not None:
            properties.assign(conversation=conversation, to=by.agent, by=by)
        elif isinstance(assign, int):
            agent = Agent.objects.for_store(conversation.store_id).filter(pk=assign).first()
            if agent is not None:
                properties.assign(conversation=conversation, to=agent, by=by)
        if actions.get("set_status"):
            properties.set_status(conversation=conversation, status=actions["set_status"], by=by)
    return text


def save_macro(
    *,
    store: Store,
    by: Actor,
    name: str,
    text: str,
    actions: dict[str, Any] | None = None,
    is_active: bool = True,
    macro: Macro | None = None,
) -> Macro:
    require(by, Perm.MANAGE_MACROS, store=store)
    name = name.strip()
    if not name:
        raise InvalidInput(_("The macro needs a name."), field="name")
    cleaned = validate_actions(actions or {})
    if not text.strip() and not cleaned:
        raise InvalidInput(_("A macro needs a reply text or at least one action."), field="text")
    target = macro or Macro(store=store, created_by=by.agent)
    if target.store_id != store.pk:
        raise InvalidInput(_("This macro is not available."), field="macro")
    target.name, target.text, target.actions, target.is_active = name[:120], text, cleaned, is_active
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError as exc:
        raise Conflict(_("A macro with this name already exists."), field="name") from exc
    return target


def delete_macro(*, macro: Macro, by: Actor) -> None:
    require(by, Perm.MANAGE_MACROS, store=macro.store_id)
    macro.delete()


def save_script(
    *,
    store: Store,
    by: Actor,
    name: str,
    category: str,
    channel: str,
    steps: list[tuple[str, str]],
    is_active: bool = True,
    script: Script | None = None,
) -> Script:
    """Create or replace a script with its ordered steps (title, text)."""
    require(by, Perm.MANAGE_SCRIPTS, store=store)
    if not name.strip():
        raise InvalidInput(_("The script needs a name."), field="name")
    if category not in Category.values:
        raise InvalidInput(_("Unknown category."), field="category")
    if channel not in ("any", "phone", "chat"):
        raise InvalidInput(_("Unknown channel."), field="channel")
    clean_steps = [(t.strip(), x.strip()) for t, x in steps if t.strip() or x.strip()]
    if not clean_steps:
        raise InvalidInput(_("A script needs at least one step."), field="steps")
    target = script or Script(store=store)
    if target.store_id != store.pk:
        raise InvalidInput(_("This script is not available."), field="script")
    with transaction.atomic():
        target.name, target.category, target.channel, target.is_active = (
            name.strip()[:120],
            category,
            channel,
            is_active,
        )
        target.save()
        ScriptStep.objects.filter(script=target).delete()
        ScriptStep.objects.bulk_create(
            [
                ScriptStep(store=store, script=target, position=i, title=(t or x[:60])[:200], text=x)
                for i, (t, x) in enumerate(clean_steps, start=1)
            ]
        )
    return target


def delete_script(*, script: Script, by: Actor) -> None:
    require(by, Perm.MANAGE_SCRIPTS, store=script.store_id)
    script.delete()
