"""Tasks the worker tests run (module level, so the worker can import them by path)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django_tasks import task

from zabota.core.reliable import reliable_task

CALLS: list[dict[str, Any]] = []


@reliable_task(max_attempts=3, backoff_seconds=10)
def flaky(*, store_id: int | None = None, fail: bool = True, note: str = "") -> str:
    CALLS.append({"store_id": store_id, "note": note})
    if fail:
        raise RuntimeError(f"boom {note}")
    return "ok"


@task()
def tick() -> str:
    """The periodic job of the two-worker test; the scheduler's run log is what the test counts."""
    return "tick"


@task()
def always_fails(store_id: int) -> None:
    raise ValueError("not reliable")


@task()
def slow_effect(*, store_id: int, agent_id: int, key: str, marker_dir: str, seconds: float) -> str:
    """Notifies the agent (``notify`` dedupes on the key), then works for ``seconds``.

    A worker killed during the sleep leaves the result RUNNING; the re-run must not notify again.
    """
    from zabota.notify.actions import notify

    markers = Path(marker_dir)
    (markers / f"start-{os.getpid()}-{time.monotonic_ns()}").touch()
    created = notify(
        store_id=store_id,
        agent_ids=[agent_id],
        kind="sla.breached",
        title="Заказ 42: доставка задерживается",
        dedupe_key=key,
    )
    if created:
        with (markers / "sent.log").open("a") as log:
            log.write(f"{key}\n")
    time.sleep(seconds)
    (markers / f"done-{os.getpid()}").touch()
    return "done"
