"""Active incidents as customers may see them: the bot and the widget call ``active_incidents``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from zabota.announcements.models import Announcement


@dataclass(frozen=True)
class IncidentNotice:
    """``public_text`` is what customers see; ``title`` is internal (for the agent UI and logs only)."""

    title: str
    public_text: str
    severity: str
    ends_at: datetime | None


def active_incidents(store_id: int) -> list[IncidentNotice]:
    """The store's active incidents, most severe first, then newest; one indexed query."""
    rows = (
        Announcement.objects.for_store(store_id)
        .active()
        .filter(is_incident=True)
        .exclude(public_text="")
        .order_by("-starts_at", "-id")
        .values_list("title", "public_text", "severity", "ends_at")
    )
    notices = [IncidentNotice(title=t, public_text=p, severity=s, ends_at=e) for t, p, s, e in rows]
    rank = {"critical": 0, "warning": 1, "info": 2}
    return sorted(notices, key=lambda notice: rank.get(notice.severity, 3))
