"""Business-time properties: due_at and the minute count invert each other, and match a slow oracle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.sla._deadlines_helpers import (
    BERLIN,
    LUNCH,
    MSK,
    NEW_YEAR_2026,
    NEW_YORK,
    NIGHTS_BERLIN,
    msk,
    office,
)
from zabota.sla.deadlines import (
    Calendar,
    business_minutes_between,
    due_at,
    is_working_time,
)

# -- properties ------------------------------------------------------------------------------------------

PROPERTY_CALENDARS = {
    "office": office(holidays=NEW_YEAR_2026, workdays=["2026-02-28"], shortened=["2026-04-30"]),
    "lunch": LUNCH,
    "nights-berlin": NIGHTS_BERLIN,
    "gap-new-york": Calendar.from_dict(
        {
            "timezone": "America/New_York",
            "week": {"sun": [["01:30", "02:30"], ["20:00", "03:00"]], "wed": [["09:00", "17:00"]]},
        }
    ),
    "always": Calendar.always(),
}
START_ZONES = [UTC, MSK, BERLIN, NEW_YORK]
starts = st.builds(
    lambda seconds, zone: datetime(2026, 1, 1, tzinfo=UTC).astimezone(zone) + timedelta(seconds=seconds),
    st.integers(min_value=0, max_value=366 * 86400),
    st.sampled_from(START_ZONES),
)


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(sorted(PROPERTY_CALENDARS)), start=starts, minutes=st.integers(0, 20000))
def test_between_inverts_due_at(name, start, minutes):
    calendar = PROPERTY_CALENDARS[name]

    due = due_at(start, minutes, calendar)

    assert business_minutes_between(start, due, calendar) == minutes
    assert due >= start
    assert due.tzinfo is start.tzinfo
    if minutes:
        # the target is reached at the last working minute, not later
        assert business_minutes_between(start, due - timedelta(seconds=1), calendar) == minutes - 1


@settings(max_examples=200, deadline=None)
@given(
    name=st.sampled_from(sorted(PROPERTY_CALENDARS)),
    start=starts,
    minutes=st.integers(0, 20000),
    more=st.integers(0, 5000),
)
def test_due_at_is_monotonic_in_minutes(name, start, minutes, more):
    calendar = PROPERTY_CALENDARS[name]

    assert due_at(start, minutes, calendar) <= due_at(start, minutes + more, calendar)


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(sorted(PROPERTY_CALENDARS)), start=starts)
def test_zero_minutes_lands_on_working_time(name, start):
    calendar = PROPERTY_CALENDARS[name]

    opening = due_at(start, 0, calendar)

    assert is_working_time(opening, calendar)
    assert is_working_time(start, calendar) is (opening == start)


MOSCOW_MIX = Calendar.from_dict(
    {
        "timezone": "Europe/Moscow",
        "week": {
            "mon": [["09:00", "13:00"], ["14:00", "18:00"]],
            "wed": [["20:00", "04:00"]],
            "fri": [["10:00", "16:00"]],
        },
        "holidays": ["2026-01-07", "2026-01-19"],
        "workdays": ["2026-01-10"],
        "shortened": ["2026-01-16", "2026-01-21"],
    }
)


def minute_by_minute(start: datetime, minutes: int, calendar: Calendar) -> datetime:
    """A slow oracle for a zone without DST: walk the wall clock one minute at a time."""

    def working(moment: datetime) -> bool:
        local = moment.astimezone(calendar.zone)
        offset = local.hour * 60 + local.minute
        return any(
            begin <= at < end
            for day, at in ((local.date(), offset), (local.date() - timedelta(days=1), offset + 1440))
            for begin, end in calendar.local_intervals(day)
        )

    moment, counted = start, 0
    if minutes == 0:
        while not working(moment):
            moment += timedelta(minutes=1)
        return moment
    while counted < minutes:
        counted += working(moment)
        moment += timedelta(minutes=1)
    return moment


@settings(max_examples=60, deadline=None)
@given(offset=st.integers(0, 21 * 24 * 60), minutes=st.integers(0, 1500))
def test_due_at_matches_a_minute_by_minute_walk(offset, minutes):
    start = msk(2026, 1, 1) + timedelta(minutes=offset)

    assert due_at(start, minutes, MOSCOW_MIX) == minute_by_minute(start, minutes, MOSCOW_MIX)
