"""Calendars and time helpers shared by the ``test_deadline*`` modules."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from zabota.sla.deadlines import WEEKDAYS, Calendar

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
WORKWEEK = ("mon", "tue", "wed", "thu", "fri")
# Russian New Year holidays of 2026 (1-8 January) and the day off moved to Friday 9 January.
NEW_YEAR_2026 = [f"2026-01-{day:02d}" for day in range(1, 10)]


def office(timezone: str = "Europe/Moscow", **extra) -> Calendar:
    return Calendar.from_dict(
        {"timezone": timezone, "week": {day: [["09:00", "17:00"]] for day in WORKWEEK}, **extra}
    )


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


OFFICE = office()
NAIVE = datetime(2026, 1, 19, 10, 0)  # noqa: DTZ001
LUNCH = Calendar.from_dict(
    {"timezone": "Europe/Moscow", "week": {day: [["09:00", "13:00"], ["14:00", "18:00"]] for day in WORKWEEK}}
)
NIGHTS_BERLIN = Calendar.from_dict(
    {"timezone": "Europe/Berlin", "week": {day: [["22:00", "06:00"]] for day in WEEKDAYS}}
)
