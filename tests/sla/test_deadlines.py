"""Business-time arithmetic: the issue's examples, breaks, holidays, transfers, night shifts, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.sla._deadlines_helpers import (
    BERLIN,
    LUNCH,
    NEW_YEAR_2026,
    NEW_YORK,
    NIGHTS_BERLIN,
    OFFICE,
    msk,
    office,
)
from zabota.sla.deadlines import (
    WEEKDAYS,
    Calendar,
    business_minutes_between,
    due_at,
    is_working_time,
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
