"""One door for realtime events: ``publish`` after commit, whatever the transport."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RealtimeEvent:
    store_id: int
    event: str
    audience: str
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def group(self) -> str:
        return f"store-{self.store_id}-{self.audience}"


Listener = Callable[[RealtimeEvent], None]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> Callable[[], None]:
    """Register an in-process listener (tests, the dev server); returns an unsubscribe function."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener)


def publish(
    store_id: int, event: str, audience: str = "agents", payload: dict[str, Any] | None = None
) -> None:
    """Send ``event`` to everyone in ``audience`` of the store. Call it from ``on_commit``."""
    message = RealtimeEvent(store_id=store_id, event=event, audience=audience, payload=payload or {})
    for listener in list(_listeners):
        listener(message)
    try:
        from asgiref.sync import async_to_sync
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        if layer is None or _nobody_listens(layer, message.group):
            return
        async_to_sync(layer.group_send)(
            message.group, {"type": "zabota.event", "event": event, "payload": message.payload}
        )
    except Exception:  # realtime is best effort; the database is the truth
        logger.exception("realtime publish failed for %s", event)


def _nobody_listens(layer: Any, group: str) -> bool:
    """The in-memory layer lives in this process: with no member in the group, skip the event-loop hop."""
    from channels.layers import InMemoryChannelLayer

    return isinstance(layer, InMemoryChannelLayer) and not layer.groups.get(group)
