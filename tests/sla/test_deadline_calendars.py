"""Calendar definitions: merging, round trips, validation, impossible calendars, equality."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.sla._deadlines_helpers import (
    NAIVE,
    OFFICE,
    msk,
)
from zabota.sla.deadlines import (
    Calendar,
    business_minutes_between,
    due_at,
    is_working_time,
)


def test_overlapping_intervals_are_merged_and_round_trip():
    calendar = Calendar.from_dict(
        {
            "timezone": "Europe/Moscow",
            "week": {
                "mon": [["14:00", "18:00"], ["09:00", "12:00"], ["11:00", "14:00"]],
                "tue": [["22:00", "24:00"], ["00:00", "06:00"]],
            },
            "holidays": ["2026-01-01", "2026-01-01"],
        }
    )

    assert calendar.week[0] == ((540, 1080),)
    assert calendar.week[1] == ((0, 360), (1320, 1440))
    assert calendar.to_dict()["week"]["mon"] == [["09:00", "18:00"]]
    assert calendar.to_dict()["week"]["tue"] == [["00:00", "06:00"], ["22:00", "24:00"]]
    assert calendar.to_dict()["holidays"] == ["2026-01-01"]
    assert Calendar.from_dict(calendar.to_dict()) == calendar


@pytest.mark.parametrize(
    "week",
    [
        pytest.param({"mon": [["22:00", "06:00"]], "sun": [["00:00", "24:00"]]}, id="night-shift"),
        pytest.param({"mon": [["00:00", "24:00"], ["22:00", "06:00"]]}, id="longer-than-a-day-not-merged"),
        pytest.param({"fri": [["09:00", "09:00"]]}, id="twenty-four-hours-from-9"),
        pytest.param({"sat": [["00:00", "00:00"]]}, id="whole-day"),
    ],
)
def test_to_dict_round_trips(week):
    calendar = Calendar.from_dict(
        {
            "timezone": "Asia/Yekaterinburg",
            "week": week,
            "workdays": ["2026-02-28"],
            "transfer_hours_from": "sat",
        }
    )

    assert Calendar.from_dict(calendar.to_dict()) == calendar


def test_whole_day_and_night_shift_are_not_counted_twice():
    calendar = Calendar.from_dict(
        {"timezone": "Europe/Moscow", "week": {"mon": [["00:00", "24:00"], ["22:00", "06:00"]]}}
    )

    assert business_minutes_between(msk(2026, 1, 19, 0, 0), msk(2026, 1, 21, 0, 0), calendar) == 30 * 60
    assert due_at(msk(2026, 1, 19, 0, 0), 30 * 60, calendar) == msk(2026, 1, 20, 6, 0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param({"week": {}}, "timezone: required", id="no-timezone"),
        pytest.param({"timezone": "Europe/Moscow"}, "week: required", id="no-week"),
        pytest.param(
            {"timezone": "Mars/Olympus", "week": {}},
            "timezone: unknown timezone 'Mars/Olympus'",
            id="bad-timezone",
        ),
        pytest.param(
            {"timezone": 3, "week": {}}, "timezone: expected an IANA name", id="timezone-not-a-string"
        ),
        pytest.param(
            {"timezone": "UTC", "week": {"monday": []}}, "week: unknown day(s) monday", id="bad-day"
        ),
        pytest.param({"timezone": "UTC", "week": []}, "week: expected a mapping", id="week-not-a-mapping"),
        pytest.param(
            {"timezone": "UTC", "week": {"mon": "09:00-18:00"}},
            "week.mon: expected a list",
            id="day-a-string",
        ),
        pytest.param(
            {"timezone": "UTC", "week": {"mon": [["09:00"]]}}, "week.mon[0]: expected a", id="half-pair"
        ),
        pytest.param(
            {"timezone": "UTC", "week": {"tue": [["9am", "18:00"]]}},
            "week.tue[0][0]: expected a time",
            id="bad-clock",
        ),
        pytest.param(
            {"timezone": "UTC", "week": {"tue": [["09:00", "18:60"]]}},
            "week.tue[0][1]: '18:60' is not a time",
            id="minute-60",
        ),
        pytest.param(
            {"timezone": "UTC", "week": {"tue": [["24:00", "06:00"]]}},
            "may only end an interval",
            id="24-as-start",
        ),
        pytest.param(
            {"timezone": "UTC", "week": {}, "holidays": ["2026-13-01"]},
            "holidays[0]: '2026-13-01' is not an ISO date",
            id="bad-holiday",
        ),
        pytest.param(
            {"timezone": "UTC", "week": {}, "workdays": "2026-01-01"},
            "workdays: expected a list",
            id="workdays-a-string",
        ),
        pytest.param(
            {"timezone": "UTC", "week": {}, "shortened": [20260101]},
            "shortened[0]: 20260101 is not",
            id="date-a-number",
        ),
        pytest.param(
            {"timezone": "UTC", "week": {}, "holidays": ["2026-01-03"], "workdays": ["2026-01-03"]},
            "workdays: 2026-01-03 is also listed in holidays",
            id="holiday-and-workday",
        ),
        pytest.param(
            {"timezone": "UTC", "week": {}, "transfer_hours_from": "mo"},
            "transfer_hours_from: expected one of",
            id="bad-transfer",
        ),
        pytest.param(
            {"timezone": "UTC", "week": {}, "holiday": []},
            "calendar: unknown field(s) holiday",
            id="typo-key",
        ),
    ],
)
def test_from_dict_names_the_bad_field(data, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Calendar.from_dict(data)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: due_at(NAIVE, 10, OFFICE), id="naive-start"),
        pytest.param(lambda: business_minutes_between(msk(2026, 1, 19), NAIVE, OFFICE), id="naive-end"),
        pytest.param(lambda: is_working_time(NAIVE, OFFICE), id="naive-at"),
        pytest.param(lambda: due_at(msk(2026, 1, 19), -1, OFFICE), id="negative-minutes"),
        pytest.param(lambda: due_at(msk(2026, 1, 19), 1.5, OFFICE), id="float-minutes"),
    ],
)
def test_bad_arguments_raise_value_error(call):
    with pytest.raises(ValueError, match="expected"):
        call()


def test_calendar_without_working_time_raises_instead_of_looping():
    # Mondays only, every Monday of 2026-2027 a holiday, and one working Saturday.
    mondays = [date(2026, 1, 5) + timedelta(weeks=week) for week in range(105)]
    closed = Calendar.from_dict(
        {
            "timezone": "Europe/Moscow",
            "week": {"mon": [["09:00", "17:00"]]},
            "holidays": mondays,
            "workdays": ["2026-02-07"],
        }
    )

    assert due_at(msk(2026, 1, 1), 60, closed) == msk(2026, 2, 7, 10, 0)
    with pytest.raises(ValueError, match="no working time in the year after 2026-02-07"):
        due_at(msk(2026, 1, 1), 600, closed)
    with pytest.raises(ValueError, match="no working time"):
        due_at(msk(2026, 1, 1), 0, Calendar.from_dict({"timezone": "UTC", "week": {}}))


def test_missing_or_null_lists_are_empty_and_equal_calendars_share_their_cache():
    sparse = Calendar.from_dict(
        {"timezone": "Europe/Moscow", "week": {"mon": [["09:00", "17:00"]], "tue": None}, "holidays": None}
    )
    full = Calendar.from_dict(
        {
            "timezone": "Europe/Moscow",
            "week": {"mon": [["09:00", "17:00"]]},
            "holidays": [],
            "workdays": [],
            "shortened": [],
            "transfer_hours_from": "mon",
        }
    )

    assert sparse == full
    assert hash(sparse) == hash(full)
    assert due_at(msk(2026, 1, 19, 16, 0), 120, sparse) == msk(2026, 1, 26, 10, 0)
    assert sparse._spans is full._spans
