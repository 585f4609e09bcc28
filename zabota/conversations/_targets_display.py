"""How a deadline row is shown: label, colour, time left or overdue (re-exported by ``targets``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext

from zabota.conversations.models import Deadline, DeadlineKind, DeadlineState

_SHOWN = (DeadlineState.ACTIVE, DeadlineState.WARNED, DeadlineState.BREACHED, DeadlineState.PAUSED)
_COLOUR: dict[str, str] = {
    DeadlineState.ACTIVE: "ok",
    DeadlineState.WARNED: "warn",
    DeadlineState.BREACHED: "late",
    DeadlineState.PAUSED: "paused",
    DeadlineState.MET: "met",
}


def shown_states() -> tuple[str, ...]:
    return tuple(str(s) for s in _SHOWN)


def _duration(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    if minutes < 1:
        return gettext("%(n)d s") % {"n": int(abs(seconds))}
    if minutes < 60:
        return gettext("%(n)d min") % {"n": minutes}
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return (
            gettext("%(h)d h %(m)d min") % {"h": hours, "m": rest}
            if rest
            else gettext("%(h)d h") % {"h": hours}
        )
    return gettext("%(n)d days") % {"n": hours // 24}


def describe(deadline: Deadline, now: datetime) -> dict[str, Any]:
    """What the panel and the inbox show for one row: label, colour and the time left or overdue."""
    state = deadline.state
    if state == DeadlineState.PAUSED:
        text = gettext("paused, %(left)s left") % {"left": _duration((deadline.remaining_minutes or 0) * 60)}
    elif state == DeadlineState.MET:
        late = deadline.breached_at is not None
        text = gettext("met late") if late else gettext("met")
    elif deadline.due_at is not None and deadline.due_at <= now:
        state = DeadlineState.BREACHED
        text = gettext("overdue by %(time)s") % {"time": _duration((now - deadline.due_at).total_seconds())}
    elif deadline.due_at is not None:
        text = gettext("%(time)s left") % {"time": _duration((deadline.due_at - now).total_seconds())}
        if state == DeadlineState.ACTIVE and deadline.warn_at is not None and deadline.warn_at <= now:
            state = DeadlineState.WARNED
    else:
        text = ""
    colour = _COLOUR.get(state, "ok")
    if deadline.state == DeadlineState.MET and deadline.breached_at is not None:
        colour = "late"
    return {
        "deadline": deadline,
        "label": DeadlineKind(deadline.kind).label,
        "state": state,
        "colour": colour,
        "text": text,
    }


def nearest(deadlines: Iterable[Deadline]) -> Deadline | None:
    """The row an inbox shows: the most overdue, else the soonest due, else a paused one."""
    running = [d for d in deadlines if d.state in _SHOWN and d.state != DeadlineState.PAUSED and d.due_at]
    if running:
        return min(running, key=lambda d: d.due_at or timezone.now())
    paused = [d for d in deadlines if d.state == DeadlineState.PAUSED]
    return min(paused, key=lambda d: d.remaining_minutes or 0) if paused else None
