"""Russian production calendar import: the data.gov.ru CSV and iCal, checked against the official totals."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from zabota.sla.deadlines import Calendar, business_minutes_between, due_at
from zabota.sla.prodcal import ProductionCalendar, parse_csv, parse_ical, parse_production_calendar

DATA = Path(__file__).parent / "data"
CSV_BYTES = (DATA / "production_calendar_2025_2026.csv").read_bytes()
ICS_BYTES = (DATA / "production_calendar_2026.ics").read_bytes()
MSK = ZoneInfo("Europe/Moscow")

HOLIDAYS_2026 = [
    date(2026, 1, 1),
    date(2026, 1, 2),
    date(2026, 1, 5),
    date(2026, 1, 6),
    date(2026, 1, 7),
    date(2026, 1, 8),
    date(2026, 1, 9),
    date(2026, 2, 23),
    date(2026, 3, 9),
    date(2026, 5, 1),
    date(2026, 5, 11),
    date(2026, 6, 12),
    date(2026, 11, 4),
    date(2026, 12, 31),
]
SHORTENED_2026 = [date(2026, 4, 30), date(2026, 5, 8), date(2026, 6, 11), date(2026, 11, 3)]
HOLIDAYS_2025 = [
    date(2025, 1, 1),
    date(2025, 1, 2),
    date(2025, 1, 3),
    date(2025, 1, 6),
    date(2025, 1, 7),
    date(2025, 1, 8),
    date(2025, 5, 1),
    date(2025, 5, 2),
    date(2025, 5, 8),
    date(2025, 5, 9),
    date(2025, 6, 12),
    date(2025, 6, 13),
    date(2025, 11, 3),
    date(2025, 11, 4),
    date(2025, 12, 31),
]
SHORTENED_2025 = [date(2025, 3, 7), date(2025, 4, 30), date(2025, 6, 11), date(2025, 11, 1)]
WORKWEEK = {day: [["09:00", "13:00"], ["14:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def test_csv_2026_weekday_days_off_are_holidays_and_weekends_are_left_out():
    result = parse_csv(CSV_BYTES, year=2026)

    assert result == ProductionCalendar(holidays=HOLIDAYS_2026, workdays=[], shortened=SHORTENED_2026)


def test_csv_2025_working_saturday_is_a_shortened_workday():
    result = parse_csv(CSV_BYTES, year=2025)

    assert result == ProductionCalendar(
        holidays=HOLIDAYS_2025, workdays=[date(2025, 11, 1)], shortened=SHORTENED_2025
    )


def test_csv_without_a_year_gives_every_row():
    result = parse_csv(CSV_BYTES)

    assert result.holidays == HOLIDAYS_2025 + HOLIDAYS_2026
    assert result.workdays == [date(2025, 11, 1)]
    assert result.shortened == SHORTENED_2025 + SHORTENED_2026


@pytest.mark.parametrize("year", [2025, 2026])
def test_csv_gives_the_official_hours_of_a_40_hour_week(year):
    # The «40-часовая рабочая неделя» column says 1972 hours for both years.
    imported = parse_csv(CSV_BYTES, year=year)
    calendar = Calendar.from_dict({"timezone": "Europe/Moscow", "week": WORKWEEK, **imported.to_dict()})

    minutes = business_minutes_between(
        datetime(year, 1, 1, tzinfo=MSK), datetime(year + 1, 1, 1, tzinfo=MSK), calendar
    )

    assert minutes == 1972 * 60


def test_imported_holidays_move_a_deadline_past_the_new_year():
    calendar = Calendar.from_dict(
        {"timezone": "Europe/Moscow", "week": WORKWEEK, **parse_csv(CSV_BYTES).to_dict()}
    )

    # Tuesday 30 December 2025, 17:00: one hour left that day, then nothing until Monday 12 January.
    assert due_at(datetime(2025, 12, 30, 17, 0, tzinfo=MSK), 120, calendar) == datetime(
        2026, 1, 12, 10, 0, tzinfo=MSK
    )


def _rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(CSV_BYTES.decode())))


@pytest.mark.parametrize(
    "data",
    [
        # semicolon-separated files need no quotes around the day lists
        pytest.param("\n".join(";".join(row) for row in _rows()).encode(), id="semicolons-unquoted"),
        pytest.param(CSV_BYTES.decode().encode("cp1251"), id="windows-1251"),
        pytest.param(b"\xef\xbb\xbf" + CSV_BYTES.replace(b"\n", b"\r\n"), id="bom-crlf"),
        pytest.param(
            "\n\n" + CSV_BYTES.decode().replace("Год/Месяц", "ГОД/МЕСЯЦ") + "\n\n", id="str-blank-lines"
        ),
    ],
)
def test_csv_variants_parse_the_same(data):
    assert parse_csv(data, year=2026).holidays == HOLIDAYS_2026
    assert parse_csv(data, year=2025).workdays == [date(2025, 11, 1)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "line 1: the file is empty", id="empty"),
        pytest.param("Year,Jan,Feb\n2026,1,1\n", "line 1: no column «Год/месяц»", id="english-header"),
        pytest.param(
            "Год/Месяц,Январь,Февраль,Март,Апрель,Май,Июнь,Июль,Август,Сентябрь,Октябрь,Ноябрь\n",
            "line 1: no column «Декабрь»",
            id="no-december",
        ),
        pytest.param("HEADER\n", "no year rows after the header", id="only-header"),
        pytest.param(
            "ROW:year=двадцать", "line 2, column «Год/Месяц»: 'двадцать' is not a year", id="bad-year"
        ),
        pytest.param(
            "ROW:Февраль=1,29", "line 2, column «Февраль»: '29' is not a day of the month (1–28", id="feb-29"
        ),
        pytest.param("ROW:Март=1,7x", "line 2, column «Март»: '7x' is not a day", id="bad-mark"),
        pytest.param("ROW:Май=1,1*", "line 2, column «Май»: day 1 is listed twice", id="twice"),
        pytest.param(
            "ROW:short", "line 2, column «Ноябрь»: missing (the row has 11 columns)", id="short-row"
        ),
        pytest.param("ROW:again", "line 3: year 2026 is already on line 2", id="duplicate-year"),
    ],
)
def test_malformed_csv_names_line_and_column(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_csv(_malformed(text))


def test_csv_year_missing_from_the_file():
    with pytest.raises(ValueError, match=re.escape("year 2024: not in the file (it has 2025, 2026)")):
        parse_csv(CSV_BYTES, year=2024)


def _malformed(spec: str) -> str:
    """A broken copy of the 2026 row: "ROW:<column>=<cell>", "ROW:short" (11 columns), "ROW:again" (twice)."""
    header, _, row_2026 = _rows()
    if spec == "HEADER\n":
        return ",".join(header) + "\n"
    if not spec.startswith("ROW:"):
        return spec
    change = spec.removeprefix("ROW:")
    rows = [row_2026]
    if change == "short":
        rows = [row_2026[:11]]
    elif change == "again":
        rows = [row_2026, row_2026]
    else:
        column, value = change.split("=")
        row_2026[0 if column == "year" else header.index(column)] = value
    body = "\n".join(",".join(f'"{cell}"' for cell in row) for row in rows)
    return ",".join(header) + f"\n{body}\n"


def test_ical_file_gives_days_off_shortened_days_and_keeps_weekend_holidays():
    result = parse_ical(ICS_BYTES)

    # the iCal feed names 3, 4 January, 8 March and 9 May (weekend days) too: they stay holidays
    expected = sorted(
        [*HOLIDAYS_2026, date(2026, 1, 3), date(2026, 1, 4), date(2026, 3, 8), date(2026, 5, 9)]
    )
    assert result == ProductionCalendar(holidays=expected, workdays=[], shortened=SHORTENED_2026)


def test_dispatch_by_content():
    assert parse_production_calendar(ICS_BYTES, year=2026) == parse_ical(ICS_BYTES)
    assert parse_production_calendar(CSV_BYTES, year=2026) == parse_csv(CSV_BYTES, year=2026)


def test_to_dict_gives_iso_dates():
    assert ProductionCalendar([date(2026, 1, 1)], [date(2025, 11, 1)], []).to_dict() == {
        "holidays": ["2026-01-01"],
        "workdays": ["2025-11-01"],
        "shortened": [],
    }


def ics(*events: str) -> str:
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:{index}@test\r\n{event}END:VEVENT\r\n" for index, event in enumerate(events)
    )
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//RU\r\n{body}END:VCALENDAR\r\n"


def day_event(day: str, summary: str, extra: str = "") -> str:
    return f"DTSTART;VALUE=DATE:{day}\r\nSUMMARY:{summary}\r\n{extra}"


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        pytest.param("Рабочий день", "workday", id="rabochiy-den"),
        pytest.param("Рабочая суббота (за 3 ноября)", "workday", id="rabochaya-subbota"),
        pytest.param("Working day", "workday", id="english"),
        pytest.param("Workday moved from Monday", "workday", id="workday"),
        pytest.param("Нерабочий день", "holiday", id="nerabochiy"),
        pytest.param("Non-working day", "holiday", id="non-working"),
        pytest.param("Перенесённый выходной", "holiday", id="moved-day-off"),
        pytest.param("Сокращённый рабочий день", "shortened", id="shortened"),
        pytest.param("Предпраздничный день", "shortened", id="pre-holiday"),
    ],
)
def test_ical_summary_decides_the_kind(summary, expected):
    # Saturday 1 November 2025
    result = parse_ical(ics(day_event("20251101", summary)))

    saturday = [date(2025, 11, 1)]
    assert (result.holidays, result.workdays, result.shortened) == {
        "holiday": (saturday, [], []),
        "workday": ([], saturday, []),
        "shortened": ([], saturday, saturday),
    }[expected]


def test_ical_custom_property_wins_over_the_summary():
    result = parse_ical(ics(day_event("20260110", "Новогодние каникулы", "X-ZABOTA-DAY-TYPE:WORKDAY\r\n")))

    assert result == ProductionCalendar([], [date(2026, 1, 10)], [])


def test_ical_date_times_durations_and_year_filter():
    text = ics(
        "DTSTART;TZID=Asia/Vladivostok:20260101T000000\r\nDTEND;TZID=Asia/Vladivostok:20260103T000000\r\nSUMMARY:Праздник\r\n",
        "DTSTART;VALUE=DATE:20260223\r\nDURATION:P2D\r\nSUMMARY:Праздник\r\n",
        "DTSTART:20261231T100000Z\r\nDTEND:20270101T020000Z\r\nSUMMARY:Праздник\r\n",
        "DTSTART;VALUE=DATE:20260308\r\nDTEND;VALUE=DATE:20260308\r\nSUMMARY:Один день\r\n",
    )

    assert parse_ical(text).holidays == [
        date(2026, 1, 1),
        date(2026, 1, 2),
        date(2026, 2, 23),
        date(2026, 2, 24),
        date(2026, 3, 8),
        date(2026, 12, 31),
        date(2027, 1, 1),
    ]
    assert parse_ical(text, year=2027).holidays == [date(2027, 1, 1)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("not a calendar", "iCal: ", id="garbage"),
        pytest.param("", "iCal: no VCALENDAR", id="empty"),
        pytest.param(ics("SUMMARY:Без даты\r\n"), "VEVENT 1 (Без даты), DTSTART: missing", id="no-dtstart"),
        pytest.param(
            ics("DTSTART;VALUE=DATE:2026013\r\nSUMMARY:Сломано\r\n"),
            "VEVENT 1 (Сломано), DTSTART: ",
            id="broken-date",
        ),
        pytest.param(
            ics(day_event("20260101", "Новый год", "RRULE:FREQ=YEARLY\r\n")),
            "VEVENT 1 (Новый год), RRULE: recurring events are not supported",
            id="rrule",
        ),
        pytest.param(
            ics(day_event("20260101", "Новый год", "X-ZABOTA-DAY-TYPE:party\r\n")),
            "X-ZABOTA-DAY-TYPE: 'party'; expected HOLIDAY, WORKDAY or SHORTENED",
            id="bad-custom",
        ),
        pytest.param(
            ics(day_event("20260105", "Выходной", "DTEND;VALUE=DATE:20260101\r\n")),
            "VEVENT 1 (Выходной), DTEND: 2026-01-01 is before DTSTART 2026-01-05",
            id="end-before-start",
        ),
        pytest.param(
            ics(day_event("20260101", "Выходной", "DTEND;VALUE=DATE:20400101\r\n")),
            "spans 5113 days",
            id="too-long",
        ),
        pytest.param(
            ics(day_event("20260110", "Выходной"), day_event("20260110", "Рабочий день")),
            "VEVENT 2 (Рабочий день): 2026-01-10 is a workday here but a holiday in VEVENT 1 (Выходной)",
            id="conflict",
        ),
    ],
)
def test_malformed_ical_names_the_event_and_field(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_ical(text)
