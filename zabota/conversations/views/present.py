"""Human-readable sentences for the inbox and the timeline (waiting time, events), via gettext.

Pure functions of model rows already loaded, so rendering a timeline costs no extra queries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zabota.conversations.models import Category, Channel, ConversationEvent, EventType, Priority, Status


def waiting_label(since: datetime | None, now: datetime | None = None) -> str:
    """“waiting 12 min” / «ждёт 12 мин»; empty when nobody waits."""
    if since is None:
        return ""
    seconds = max(0, int(((now or timezone.now()) - since).total_seconds()))
    minutes = seconds // 60
    if minutes < 1:
        return _("waiting less than a minute")
    if minutes < 60:
        return ngettext("waiting %(n)d min", "waiting %(n)d min", minutes) % {"n": minutes}
    hours = minutes // 60
    if hours < 24:
        return ngettext("waiting %(n)d hour", "waiting %(n)d hours", hours) % {"n": hours}
    days = hours // 24
    return ngettext("waiting %(n)d day", "waiting %(n)d days", days) % {"n": days}


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def actor_name(event: ConversationEvent) -> str:
    if event.actor_agent is not None:
        return event.actor_agent.display_name
    if event.actor_label and event.actor_label not in ("system", "bot"):
        return event.actor_label
    names = {
        "system": _("System"),
        "bot": _("Bot"),
        "customer": _("Customer"),
        "integration": _("Integration"),
    }
    return names.get(event.actor_kind, event.actor_kind)


def _choice_change(event: ConversationEvent, choices: Any, template: str) -> str:
    return template % {
        "actor": actor_name(event),
        "old": _label(choices, event.payload.get("from")),
        "new": _label(choices, event.payload.get("to")),
    }


def describe_event(event: ConversationEvent) -> str:  # noqa: C901 - one branch per event type
    """One sentence per timeline row: who did what."""
    p = event.payload or {}
    actor = actor_name(event)
    kind = event.type
    if kind == EventType.CREATED:
        return _("%(actor)s opened the conversation via %(channel)s") % {
            "actor": actor,
            "channel": _label(Channel, p.get("channel", "")),
        }
    if kind == EventType.MESSAGE_RECEIVED:
        return _("%(actor)s wrote a message") % {"actor": actor}
    if kind == EventType.REPLIED:
        return _("%(actor)s replied") % {"actor": actor}
    if kind == EventType.NOTE_ADDED:
        return _("%(actor)s added an internal note") % {"actor": actor}
    if kind == EventType.ASSIGNED:
        if not p.get("to"):
            return _("%(actor)s unassigned the conversation") % {"actor": actor}
        if event.actor_agent_id is not None and p.get("to") == event.actor_agent_id:
            return _("%(actor)s took the conversation") % {"actor": actor}
        return _("%(actor)s assigned to %(agent)s") % {"actor": actor, "agent": p.get("to_name", "")}
    if kind == EventType.TEAM_CHANGED:
        if not p.get("to"):
            return _("%(actor)s removed the team") % {"actor": actor}
        return _("%(actor)s moved to team %(team)s") % {"actor": actor, "team": p.get("to_name", "")}
    if kind == EventType.TRANSFERRED:
        target = ", ".join(x for x in (p.get("to_agent_name"), p.get("to_team_name")) if x)
        text = _("%(actor)s transferred to %(target)s") % {"actor": actor, "target": target}
        return _with_reason(text, p)
    if kind == EventType.ESCALATED:
        if p.get("to_agent_name"):
            text = _("%(actor)s escalated L1 → L2 to %(agent)s") % {
                "actor": actor,
                "agent": p["to_agent_name"],
            }
        else:
            text = _("%(actor)s escalated L1 → L2") % {"actor": actor}
        return _with_reason(text, p)
    if kind == EventType.STATUS_CHANGED:
        return _choice_change(event, Status, _("%(actor)s changed the status from %(old)s to %(new)s"))
    if kind == EventType.PRIORITY_CHANGED:
        return _choice_change(event, Priority, _("%(actor)s changed the priority from %(old)s to %(new)s"))
    if kind == EventType.CATEGORY_CHANGED:
        return _choice_change(event, Category, _("%(actor)s changed the category from %(old)s to %(new)s"))
    if kind == EventType.SUBJECT_CHANGED:
        return _("%(actor)s changed the subject to “%(subject)s”") % {
            "actor": actor,
            "subject": p.get("to", ""),
        }
    if kind == EventType.TAGS_CHANGED:
        parts = []
        if p.get("added"):
            parts.append(_("added tags: %(tags)s") % {"tags": ", ".join(p["added"])})
        if p.get("removed"):
            parts.append(_("removed tags: %(tags)s") % {"tags": ", ".join(p["removed"])})
        # Translators: changes is “added tags: a, b; removed tags: c”.
        return _("%(actor)s %(changes)s") % {"actor": actor, "changes": "; ".join(parts)}
    if kind == EventType.MACRO_APPLIED:
        return _("%(actor)s applied the macro “%(macro)s”") % {
            "actor": actor,
            "macro": p.get("macro_name", ""),
        }
    if kind == EventType.MERGED_INTO:
        return _("%(actor)s merged this conversation into #%(number)s") % {
            "actor": actor,
            "number": p.get("target_number", ""),
        }
    if kind == EventType.MERGED_FROM:
        return _("%(actor)s merged conversation #%(number)s into this one") % {
            "actor": actor,
            "number": p.get("source_number", ""),
        }
    if kind == EventType.CUSTOMER_CHANGED:
        return _("%(actor)s changed the customer") % {"actor": actor}
    if kind == EventType.REOPENED:
        return _("%(actor)s reopened the conversation") % {"actor": actor}
    if kind == EventType.DELIVERY_CHANGED:
        return _("Delivery status changed to %(status)s") % {"status": p.get("to", p.get("status", ""))}
    return f"{actor}: {_label(EventType, kind)}"


def _with_reason(text: str, payload: dict[str, Any]) -> str:
    reason = payload.get("reason")
    if reason:
        return _("%(text)s (reason: %(reason)s)") % {"text": text, "reason": reason}
    return text
