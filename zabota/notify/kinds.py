"""Kinds of notifications an agent can mute, by prefix ("sla" covers "sla.warned" and "sla.breached")."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

KIND_GROUPS: list[tuple[str, str | Promise]] = [
    ("sla", _("Service targets: warnings, breaches, escalations")),
    ("queue", _("Queue alerts: unassigned, waiting chats, transfers")),
    ("routing", _("Assignments and transfers to me")),
    ("announcement", _("Announcements")),
]


def covered(kind: str, prefixes: list[str]) -> bool:
    return any(kind == p or kind.startswith(p + ".") for p in prefixes)


def mute_choices(received: list[str], muted: list[str]) -> list[tuple[str, str | Promise]]:
    """The groups, then any other kind the agent received or muted, so that every kind can be muted."""
    groups = [key for key, _label in KIND_GROUPS]
    extra = sorted({k for k in [*received, *muted] if not covered(k, groups)})
    return [*KIND_GROUPS, *((k, k) for k in extra)]
