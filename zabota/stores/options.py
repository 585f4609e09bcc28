"""Typed views of ``Store.options`` for routing, presence and queue alerts, and the action that edits them.

``Store.options`` is one JSON object shared by several parts; each part owns a key. A missing key (or a
value of the wrong type) reads as the default, so old stores and hand-edited JSON keep working.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from zabota.core.errors import InvalidInput
from zabota.stores.actors import Actor
from zabota.stores.models import Store
from zabota.stores.permissions import Perm, require

MODE_LEAST_LOADED = "least_loaded"
MODE_ROUND_ROBIN = "round_robin"
MODE_MANUAL = "manual"
ROUTING_MODES = (MODE_LEAST_LOADED, MODE_ROUND_ROBIN, MODE_MANUAL)

#: Upper bounds keep a typo (an extra zero or three) from switching an alert off in practice.
_MAX_MINUTES = 7 * 24 * 60
_MAX_SECONDS = 24 * 3600


@dataclass(frozen=True)
class RoutingOptions:
    mode: str = MODE_LEAST_LOADED
    sticky_owner: bool = True
    l1_first: bool = True


@dataclass(frozen=True)
class PresenceOptions:
    away_after_minutes: int = 10
    offline_after_minutes: int = 60


@dataclass(frozen=True)
class QueueAlertOptions:
    unassigned_minutes: int = 10
    chat_wait_seconds: int = 60
    chat_escalate_seconds: int = 300
    max_transfers: int = 2


def _section(store: Store, key: str) -> dict[str, Any]:
    value = (store.options or {}).get(key)
    return value if isinstance(value, dict) else {}


def _int(raw: Any, default: int) -> int:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0 else default


def _bool(raw: Any, default: bool) -> bool:
    return raw if isinstance(raw, bool) else default


def routing_options(store: Store) -> RoutingOptions:
    raw, default = _section(store, "routing"), RoutingOptions()
    mode = raw.get("mode")
    return RoutingOptions(
        mode=mode if mode in ROUTING_MODES else default.mode,
        sticky_owner=_bool(raw.get("sticky_owner"), default.sticky_owner),
        l1_first=_bool(raw.get("l1_first"), default.l1_first),
    )


def presence_options(store: Store) -> PresenceOptions:
    raw, default = _section(store, "presence"), PresenceOptions()
    return PresenceOptions(
        away_after_minutes=_int(raw.get("away_after_minutes"), default.away_after_minutes),
        offline_after_minutes=_int(raw.get("offline_after_minutes"), default.offline_after_minutes),
    )


def queue_alert_options(store: Store) -> QueueAlertOptions:
    raw, default = _section(store, "queue_alerts"), QueueAlertOptions()
    return QueueAlertOptions(
        unassigned_minutes=_int(raw.get("unassigned_minutes"), default.unassigned_minutes),
        chat_wait_seconds=_int(raw.get("chat_wait_seconds"), default.chat_wait_seconds),
        chat_escalate_seconds=_int(raw.get("chat_escalate_seconds"), default.chat_escalate_seconds),
        max_transfers=_int(raw.get("max_transfers"), default.max_transfers),
    )


def _check_range(value: int, *, field: str, label: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            _("“%(label)s” must be a whole number from %(low)s to %(high)s.")
            % {"label": label, "low": low, "high": high},
            field=field,
        )


def update_routing_settings(
    *,
    store: Store,
    by: Actor,
    routing: RoutingOptions,
    presence: PresenceOptions,
    queue_alerts: QueueAlertOptions,
) -> Store:
    """Replace the routing, presence and queue-alert sections of ``Store.options``; other keys stay."""
    require(by, Perm.MANAGE_STORE, store=store)
    if routing.mode not in ROUTING_MODES:
        raise InvalidInput(_("Unknown routing mode."), field="mode")
    minutes, seconds = _MAX_MINUTES, _MAX_SECONDS
    checks = [
        (presence.away_after_minutes, "away_after_minutes", _("Away after, minutes"), 1, minutes),
        (presence.offline_after_minutes, "offline_after_minutes", _("Offline after, minutes"), 1, minutes),
        (queue_alerts.unassigned_minutes, "unassigned_minutes", _("Unassigned for, minutes"), 0, minutes),
        (queue_alerts.chat_wait_seconds, "chat_wait_seconds", _("Chat waiting, seconds"), 0, seconds),
        (
            queue_alerts.chat_escalate_seconds,
            "chat_escalate_seconds",
            _("Chat waiting before escalation, seconds"),
            0,
            seconds,
        ),
        (queue_alerts.max_transfers, "max_transfers", _("Transfers above"), 0, 100),
    ]
    for value, field, label, low, high in checks:
        _check_range(value, field=field, label=label, low=low, high=high)
    if presence.offline_after_minutes < presence.away_after_minutes:
        raise InvalidInput(
            _("An agent goes offline after going away: give at least as many minutes."),
            field="offline_after_minutes",
        )
    with transaction.atomic():
        # Lock and re-read: another part may be saving its own key of the same JSON object right now.
        locked = Store.objects.select_for_update().get(pk=store.pk)
        options = dict(locked.options or {})
        options["routing"] = asdict(routing)
        options["presence"] = asdict(presence)
        options["queue_alerts"] = asdict(queue_alerts)
        locked.options = options
        locked.save(update_fields=["options", "updated_at"])
    store.options = options
    return store
