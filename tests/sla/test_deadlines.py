"""Business-time arithmetic: the issue's examples, breaks, holidays, transfers, night shifts, DST, validation."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zabota.sla.deadlines import (
    WEEKDAYS,
    Calendar,
    business_minutes_between,
    due_at,
    is_working_time,
)

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


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        pytest.param(
            msk(2026, 1, 16, 16, 0), 120, msk(2026, 1, 19, 10, 0), id="friday-16:00+120-monday-10:00"
        ),
        pytest.param(
            msk(2026, 1, 17, 10, 0), 120, msk(2026, 1, 19, 11, 0), id="saturday-10:00+120-monday-11:00"
        ),
        pytest.param(
            msk(2026, 1, 19, 16, 0), 600, msk(2026, 1, 21, 10, 0), id="monday-16:00+600-wednesday-10:00"
        ),
    ],
)
def test_issue_examples(start, minutes, expected):
    assert due_at(start, minutes, OFFICE) == expected
    assert business_minutes_between(start, expected, OFFICE) == minutes


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        pytest.param(msk(2026, 1, 19, 12, 30), 60, msk(2026, 1, 19, 14, 30), id="across-lunch"),
        pytest.param(msk(2026, 1, 19, 13, 20), 10, msk(2026, 1, 19, 14, 10), id="starts-in-lunch"),
        pytest.param(msk(2026, 1, 19, 12, 0), 60, msk(2026, 1, 19, 13, 0), id="ends-at-lunch"),
        pytest.param(msk(2026, 1, 19, 17, 30), 60, msk(2026, 1, 20, 9, 30), id="evening-to-next-morning"),
    ],
)
def test_lunch_break_is_not_counted(start, minutes, expected):
    assert due_at(start, minutes, LUNCH) == expected


def test_new_year_holidays_are_skipped():
    calendar = office(holidays=NEW_YEAR_2026)

    # Wednesday 31 December 2025, then nine days off and a weekend: Monday 12 January 2026.
    assert due_at(msk(2025, 12, 31, 16, 0), 120, calendar) == msk(2026, 1, 12, 10, 0)
    assert business_minutes_between(msk(2025, 12, 31, 0, 0), msk(2026, 1, 13, 0, 0), calendar) == 2 * 480


def test_holiday_keeps_the_night_shift_begun_the_evening_before():
    calendar = Calendar.from_dict(
        {
            "timezone": "Europe/Berlin",
            "week": {day: [["22:00", "06:00"]] for day in WEEKDAYS},
            "holidays": ["2026-05-01"],
        }
    )

    # Thursday's shift runs into the holiday until 06:00; Friday's own shift (22:00) does not happen.
    assert due_at(datetime(2026, 5, 1, 5, 0, tzinfo=BERLIN), 120, calendar) == datetime(
        2026, 5, 2, 23, 0, tzinfo=BERLIN
    )
    assert (
        business_minutes_between(
            datetime(2026, 4, 30, 12, 0, tzinfo=BERLIN), datetime(2026, 5, 2, 12, 0, tzinfo=BERLIN), calendar
        )
        == 480
    )


def test_transferred_workday_uses_monday_hours_by_default():
    # Saturday 1 November 2025 was a working day in Russia.
    calendar = office(workdays=["2025-11-01"])

    assert due_at(msk(2025, 10, 31, 16, 0), 120, calendar) == msk(2025, 11, 1, 10, 0)
    assert is_working_time(msk(2025, 11, 1, 12, 0), calendar)
    assert not is_working_time(msk(2025, 11, 8, 12, 0), calendar)


def test_transferred_workday_can_take_another_weekdays_hours():
    calendar = Calendar.from_dict(
        {
            "timezone": "Europe/Moscow",
            "week": {"mon": [["09:00", "18:00"]], "fri": [["10:00", "12:00"]]},
            "workdays": ["2025-11-01"],
            "transfer_hours_from": "fri",
        }
    )

    assert due_at(msk(2025, 11, 1, 8, 0), 150, calendar) == msk(2025, 11, 3, 9, 30)


def test_shortened_day_ends_an_hour_earlier():
    # Thursday 30 April 2026 is a pre-holiday day.
    calendar = office(shortened=["2026-04-30"])

    assert due_at(msk(2026, 4, 30, 15, 30), 60, calendar) == msk(2026, 5, 1, 9, 30)
    assert business_minutes_between(msk(2026, 4, 30, 0, 0), msk(2026, 5, 1, 0, 0), calendar) == 420


def test_shortened_day_cuts_the_last_intervals():
    calendar = Calendar.from_dict(
        {
            "timezone": "Europe/Moscow",
            "week": {"thu": [["09:00", "13:00"], ["16:30", "17:00"]]},
            "shortened": ["2026-04-30"],
        }
    )

    assert calendar.local_intervals(date(2026, 4, 30)) == ((540, 780),)
    assert calendar.local_intervals(date(2026, 4, 23)) == ((540, 780), (990, 1020))


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        pytest.param((2026, 1, 19, 23, 0), 120, (2026, 1, 20, 1, 0), id="inside-the-night"),
        pytest.param((2026, 1, 20, 5, 0), 120, (2026, 1, 20, 23, 0), id="morning-to-next-night"),
        pytest.param((2026, 1, 20, 12, 0), 0, (2026, 1, 20, 22, 0), id="daytime-waits-for-22:00"),
        pytest.param((2026, 1, 20, 3, 0), 0, (2026, 1, 20, 3, 0), id="zero-inside-is-start"),
    ],
)
def test_night_shift_crosses_midnight(start, minutes, expected):
    assert due_at(datetime(*start, tzinfo=BERLIN), minutes, NIGHTS_BERLIN) == datetime(
        *expected, tzinfo=BERLIN
    )


def test_night_shift_on_sunday_runs_into_monday():
    calendar = Calendar.from_dict({"timezone": "Europe/Moscow", "week": {"sun": [["20:00", "02:00"]]}})

    assert due_at(msk(2026, 1, 19, 1, 0), 30, calendar) == msk(2026, 1, 19, 1, 30)
    assert due_at(msk(2026, 1, 19, 1, 0), 90, calendar) == msk(2026, 1, 25, 20, 30)


def test_always_counts_every_real_minute():
    calendar = Calendar.always()
    start = datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN)

    # 01:30 CET + 60 real minutes is 03:30 CEST: the clocks jump at 02:00.
    assert due_at(start, 60, calendar) == datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN)
    assert business_minutes_between(start, datetime(2026, 3, 29, 4, 0, tzinfo=BERLIN), calendar) == 90
    assert due_at(start, 0, calendar) == start


def test_spring_forward_night_shift_is_seven_real_hours():
    saturday_night = datetime(2026, 3, 28, 22, 0, tzinfo=BERLIN)

    assert (
        business_minutes_between(saturday_night, datetime(2026, 3, 29, 12, 0, tzinfo=BERLIN), NIGHTS_BERLIN)
        == 420
    )
    assert due_at(saturday_night, 420, NIGHTS_BERLIN) == datetime(2026, 3, 29, 6, 0, tzinfo=BERLIN)
    assert due_at(saturday_night, 421, NIGHTS_BERLIN) == datetime(2026, 3, 29, 22, 1, tzinfo=BERLIN)


def test_fall_back_night_shift_is_nine_real_hours():
    saturday_night = datetime(2026, 10, 24, 22, 0, tzinfo=BERLIN)

    assert (
        business_minutes_between(saturday_night, datetime(2026, 10, 25, 12, 0, tzinfo=BERLIN), NIGHTS_BERLIN)
        == 540
    )
    assert due_at(saturday_night, 540, NIGHTS_BERLIN) == datetime(2026, 10, 25, 6, 0, tzinfo=BERLIN)


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(date(2026, 3, 8), id="new-york-spring"),
        pytest.param(date(2026, 11, 1), id="new-york-fall"),
    ],
)
def test_day_shift_on_a_dst_day_keeps_its_hours(day):
    calendar = Calendar.from_dict({"timezone": "America/New_York", "week": {"sun": [["09:00", "17:00"]]}})
    midnight = datetime(day.year, day.month, day.day, tzinfo=NEW_YORK)

    assert business_minutes_between(midnight, midnight + timedelta(days=1), calendar) == 480
    assert due_at(midnight, 480, calendar) == datetime(day.year, day.month, day.day, 17, 0, tzinfo=NEW_YORK)


def test_interval_starting_in_the_spring_gap_starts_after_it():
    # 02:30 does not exist on 29 March 2026 in Berlin; like datetime(..., tzinfo=...) it reads as 03:30 CEST.
    calendar = Calendar.from_dict({"timezone": "Europe/Berlin", "week": {"sun": [["02:30", "04:00"]]}})
    sunday = datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN)

    assert due_at(sunday, 0, calendar) == datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN)
    assert business_minutes_between(sunday, sunday + timedelta(hours=12), calendar) == 30


def test_calendar_timezone_differs_from_the_start():
    monday_8_msk = datetime(2026, 1, 19, 5, 0, tzinfo=UTC)

    result = due_at(monday_8_msk, 60, OFFICE)

    assert result == datetime(2026, 1, 19, 7, 0, tzinfo=UTC)
    assert result.tzinfo is UTC
    vladivostok = ZoneInfo("Asia/Vladivostok")
    # 15:00 in Vladivostok is 08:00 in Moscow; the answer comes back in Vladivostok time.
    result = due_at(datetime(2026, 1, 19, 15, 0, tzinfo=vladivostok), 60, OFFICE)
    assert (result, result.tzinfo) == (datetime(2026, 1, 19, 17, 0, tzinfo=vladivostok), vladivostok)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        pytest.param(msk(2026, 1, 19, 10, 15), msk(2026, 1, 19, 10, 15), id="inside"),
        pytest.param(msk(2026, 1, 19, 9, 0), msk(2026, 1, 19, 9, 0), id="at-opening"),
        pytest.param(msk(2026, 1, 19, 17, 0), msk(2026, 1, 20, 9, 0), id="at-closing"),
        pytest.param(msk(2026, 1, 17, 12, 0), msk(2026, 1, 19, 9, 0), id="weekend"),
    ],
)
def test_zero_minutes_is_start_or_next_opening(start, expected):
    assert due_at(start, 0, OFFICE) == expected
    assert is_working_time(start, OFFICE) is (start == expected)


def test_target_ending_at_closing_time_is_due_at_closing():
    assert due_at(msk(2026, 1, 16, 16, 0), 60, OFFICE) == msk(2026, 1, 16, 17, 0)


def test_between_counts_whole_minutes_and_never_goes_negative():
    start = msk(2026, 1, 19, 10, 0, 30)

    assert business_minutes_between(start, msk(2026, 1, 19, 10, 5, 29), OFFICE) == 4
    assert business_minutes_between(start, msk(2026, 1, 19, 10, 5, 30), OFFICE) == 5
    assert business_minutes_between(msk(2026, 1, 19, 12, 0), msk(2026, 1, 19, 11, 0), OFFICE) == 0
    assert business_minutes_between(msk(2026, 1, 16, 16, 0), msk(2026, 1, 19, 10, 0), OFFICE) == 120


def test_long_target_takes_a_year_of_business_days():
    # 2026 in Moscow with the New Year holidays: 52 weeks of 5 days, minus 7 weekdays off (1, 2, 5-9 January).
    calendar = office(holidays=NEW_YEAR_2026)
    start = msk(2026, 1, 1, 0, 0)

    minutes = business_minutes_between(start, msk(2027, 1, 1, 0, 0), calendar)

    assert minutes == (261 - 7) * 480
    assert due_at(start, minutes, calendar) == msk(2026, 12, 31, 17, 0)


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
