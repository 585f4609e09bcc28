"""Notify agents.

CONTRACT (implemented by the notifications work package; SLA, announcements and queue alerts rely on it):

    notify(store_id=..., agent_ids=[...], kind="sla.breached", title="...", body="...", url="/c/12/",
           severity="warning" | "critical" | "info", dedupe_key="sla:123:first_response:breached",
           payload={...}) -> int   # number of notifications newly created

Creates one in-app ``Notification`` per agent, unique per (agent, dedupe_key) so a retried task never
notifies twice, publishes it in realtime after commit, and enqueues the email / Telegram deliveries the
agent has enabled, plus the ``notification.created`` outbound webhook.
"""

from __future__ import annotations

from typing import Any


def notify(
    *,
    store_id: int,
    agent_ids: list[int],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    severity: str = "info",
    dedupe_key: str,
    payload: dict[str, Any] | None = None,
) -> int:
    raise NotImplementedError("implemented by the notifications work package")
