from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from zabota.announcements import actions


@dataclass
class NotifyCalls:
    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, **kwargs: Any) -> int:
        self.calls.append(kwargs)
        return len(kwargs["agent_ids"])


@pytest.fixture(autouse=True)
def notified(monkeypatch) -> NotifyCalls:
    """Records ``notify`` calls: the notifications app is tested on its own (dedupe included)."""
    calls = NotifyCalls()
    monkeypatch.setattr(actions, "notify", calls)
    return calls
