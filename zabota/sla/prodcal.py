"""Import of the Russian production calendar («производственный календарь»): pure parsing, no Django.

Two formats, both giving a `ProductionCalendar` whose lists go into a business calendar's ``holidays``,
``workdays`` and ``shortened``:

**CSV** as published on data.gov.ru (set 7708660670-proizvcalendar) and mirrored by consultant-based sites::

    Год/Месяц,Январь,Февраль,…,Декабрь,Всего рабочих дней,Всего праздничных и выходных дней,Количество рабочих часов при 40-часовой рабочей неделе,…
    2026,"1,2,3,4,5,6,7,8,9+,10,11,17,18,24,25,31","1,7,8,14,15,21,22,23,28",…,247,118,1972,1774.4,1181.6

One row per year; each month cell lists the day numbers that are *not* ordinary working days: days off
(weekends and holidays; ``+`` marks a day off moved from another date, it is still a day off) and
``N*``, a shortened pre-holiday *working* day. We accept a comma or a semicolon between columns (found from
the header), UTF-8 with or without a BOM or Windows-1251, the columns by their header names (``ё`` = ``е``,
any case; the total columns are ignored), blank lines. From the listed days:

- a day off on Monday–Friday is a **holiday**; a Saturday or Sunday day off is an ordinary weekend and is
  left out (so a Saturday holiday of a store that works on Saturdays is not known from this format);
- a Saturday or Sunday that is *not* listed as a day off (or is listed with ``*``) is a **workday**;
- a day with ``*`` is **shortened**.

**iCal** (``.ics``): every VEVENT is a day off over its dates (DTEND exclusive for all-day events), unless
its SUMMARY says it is a working day («Рабочий день», «рабочая суббота», "working day",
"workday" — but not «нерабочий», "non-working") or shortened («сокращённый», «предпраздничный»,
"shortened"), or it carries ``X-ZABOTA-DAY-TYPE: HOLIDAY | WORKDAY | SHORTENED``, which wins. A shortened
day is a working day, so a shortened Saturday or Sunday is a workday too. Recurring events are refused:
a production calendar names each day.
"""

from __future__ import annotations

import calendar as gregorian
import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import icalendar

__all__ = ["ProductionCalendar", "parse_csv", "parse_ical", "parse_production_calendar"]

MONTHS = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)
YEAR_COLUMN = "год/месяц"
DAY_TYPE_PROPERTY = "X-ZABOTA-DAY-TYPE"
_DAY = re.compile(r"^(\d{1,2})\s*([*+]?)$")
_SHORTENED = re.compile(r"сокращ[её]нн|предпраздничн|shortened|short\s+day", re.IGNORECASE)
# not preceded by a letter or a hyphen: «нерабочий день» and "non-working day" are days off
_WORKING = re.compile(
    r"(?<![а-яёa-z-])(?:рабоч(?:ий|ая|ее)\s+(?:день|суббота|воскресенье)|working\s+day|work\s?day)",
    re.IGNORECASE,
)
_MAX_DAYS = 3700  # about ten years: a longer event is a mistake, not a production calendar


@dataclass(frozen=True)
class ProductionCalendar:
    """Dated exceptions to the ordinary Monday–Friday week, each list sorted and without repeats."""

    holidays: list[date]
    workdays: list[date]
    shortened: list[date]

    def to_dict(self) -> dict[str, list[str]]:
        """ISO strings, the shape `BusinessCalendar.holidays/workdays/shortened` and `Calendar.from_dict` take."""
        return {
            "holidays": [day.isoformat() for day in self.holidays],
            "workdays": [day.isoformat() for day in self.workdays],
            "shortened": [day.isoformat() for day in self.shortened],
        }


def parse_production_calendar(data: str | bytes, *, year: int | None = None) -> ProductionCalendar:
    """Either format, told apart by content (an iCal file starts with ``BEGIN:VCALENDAR``)."""
    text = _decode(data)
    if text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
        return parse_ical(text, year=year)
    return parse_csv(text, year=year)


def parse_csv(data: str | bytes, *, year: int | None = None) -> ProductionCalendar:
    """The data.gov.ru CSV; `year` keeps one year's row only (the others are still checked)."""
    text = _decode(data)
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), "")
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    columns: dict[str, int] = {}
    holidays: set[date] = set()
    workdays: set[date] = set()
    shortened: set[date] = set()
    seen_years: dict[int, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = row
                columns = _csv_columns(row, line)
                continue
            row_year = _csv_year(row, columns, line)
            if row_year in seen_years:
                raise ValueError(f"line {line}: year {row_year} is already on line {seen_years[row_year]}")
            seen_years[row_year] = line
            if year is not None and row_year != year:
                continue
            days_off, short = _csv_year_days(row, columns, row_year, line)
            day = date(row_year, 1, 1)
            while day.year == row_year:
                weekend = day.weekday() >= 5
                if day in days_off and not weekend:
                    holidays.add(day)
                elif weekend and day not in days_off:
                    workdays.add(day)
                day += timedelta(days=1)
            shortened |= short
    except csv.Error as error:
        raise ValueError(f"line {reader.line_num}: {error}") from error
    if header is None:
        raise ValueError("line 1: the file is empty")
    if not seen_years:
        raise ValueError("line 2: no year rows after the header")
    if year is not None and year not in seen_years:
        raise ValueError(f"year {year}: not in the file (it has {', '.join(map(str, sorted(seen_years)))})")
    return ProductionCalendar(sorted(holidays), sorted(workdays), sorted(shortened))


def parse_ical(data: str | bytes, *, year: int | None = None) -> ProductionCalendar:
    """An iCal file; `year` keeps the days of one year only."""
    text = _decode(data)
    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except ValueError as error:
        raise ValueError(f"iCal: {error}") from error
    if not calendars:
        raise ValueError("iCal: no VCALENDAR in the file")
    kinds: dict[date, tuple[str, str]] = {}
    for index, event in enumerate(
        (event for calendar in calendars for event in calendar.walk("VEVENT")),
        start=1,
    ):
        summary = str(event.get("SUMMARY", "") or "").strip()
        where = f"VEVENT {index}" + (f" ({summary})" if summary else "")
        if event.get("RRULE") is not None:
            raise ValueError(f"{where}, RRULE: recurring events are not supported; list each day")
        kind = _ical_kind(event, where, summary)
        for day in _ical_days(event, where):
            if year is not None and day.year != year:
                continue
            previous = kinds.get(day)
            if previous is not None and previous[0] != kind:
                raise ValueError(
                    f"{where}: {day.isoformat()} is a {kind} here but a {previous[0]} in {previous[1]}"
                )
            kinds[day] = (kind, where)
    holidays = sorted(day for day, (kind, _) in kinds.items() if kind == "holiday")
    shortened = sorted(day for day, (kind, _) in kinds.items() if kind == "shortened")
    workdays = sorted(
        day
        for day, (kind, _) in kinds.items()
        if kind == "workday" or (kind == "shortened" and day.weekday() >= 5)
    )
    return ProductionCalendar(holidays, workdays, shortened)


def _decode(data: str | bytes) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251")


def _normal(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").strip().lower().replace("ё", "е").split())


def _csv_columns(header: list[str], line: int) -> dict[str, int]:
    names = [_normal(cell) for cell in header]
    columns = {}
    for name in (YEAR_COLUMN, *MONTHS):
        if name not in names:
            raise ValueError(
                f"line {line}: no column «{name.capitalize()}»; expected a header like "
                "«Год/Месяц,Январь,Февраль,…,Декабрь,…»"
            )
        columns[name] = names.index(name)
    return columns


def _csv_year(row: list[str], columns: dict[str, int], line: int) -> int:
    index = columns[YEAR_COLUMN]
    cell = row[index].strip() if index < len(row) else ""
    if not (cell.isdigit() and 1900 <= int(cell) <= 2199):
        raise ValueError(f"line {line}, column «Год/Месяц»: {cell!r} is not a year")
    return int(cell)


def _csv_year_days(
    row: list[str], columns: dict[str, int], year: int, line: int
) -> tuple[set[date], set[date]]:
    days_off: set[date] = set()
    shortened: set[date] = set()
    for month, name in enumerate(MONTHS, start=1):
        index = columns[name]
        where = f"line {line}, column «{name.capitalize()}»"
        if index >= len(row):
            raise ValueError(f"{where}: missing (the row has {len(row)} columns)")
        last = gregorian.monthrange(year, month)[1]
        for token in row[index].split(","):
            token = token.strip()
            if not token:
                continue
            match = _DAY.match(token)
            if match is None or not 1 <= int(match[1]) <= last:
                raise ValueError(
                    f"{where}: {token!r} is not a day of the month (1–{last}, optionally with * or +)"
                )
            day = date(year, month, int(match[1]))
            if day in days_off or day in shortened:
                raise ValueError(f"{where}: day {day.day} is listed twice")
            (shortened if match[2] == "*" else days_off).add(day)
    return days_off, shortened


def _ical_kind(event: icalendar.cal.Component, where: str, summary: str) -> str:
    if event.get(DAY_TYPE_PROPERTY) is not None:
        raw = _ical_value(event, DAY_TYPE_PROPERTY, where)
        value = (raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)).strip().lower()
        if value not in {"holiday", "workday", "shortened"}:
            raise ValueError(
                f"{where}, {DAY_TYPE_PROPERTY}: {value!r}; expected HOLIDAY, WORKDAY or SHORTENED"
            )
        return value
    if _SHORTENED.search(summary):
        return "shortened"
    if _WORKING.search(summary):
        return "workday"
    return "holiday"


def _ical_days(event: icalendar.cal.Component, where: str) -> list[date]:
    start = _ical_moment(event, "DTSTART", where)
    if start is None:
        raise ValueError(f"{where}, DTSTART: missing")
    end = _ical_moment(event, "DTEND", where)
    if end is None and event.get("DURATION") is not None:
        duration = _ical_value(event, "DURATION", where)
        if not isinstance(duration, timedelta):
            raise ValueError(f"{where}, DURATION: not a duration")
        end = start + duration
    first = _as_date(start)
    if end is None:
        return [first]
    if isinstance(end, datetime):
        if isinstance(start, datetime) and end < start:
            raise ValueError(f"{where}, DTEND: {end.isoformat()} is before DTSTART {start.isoformat()}")
        # the day that holds the last instant of the event: an end at midnight is exclusive
        last = max(first, (end - timedelta(microseconds=1)).date())
    elif end < first:
        raise ValueError(f"{where}, DTEND: {end.isoformat()} is before DTSTART {start.isoformat()}")
    else:
        last = max(first, end - timedelta(days=1))
    count = (last - first).days + 1
    if count > _MAX_DAYS:
        raise ValueError(f"{where}: spans {count} days; a production calendar lists days off, not years")
    return [first + timedelta(days=offset) for offset in range(count)]


def _ical_moment(event: icalendar.cal.Component, name: str, where: str) -> date | None:
    if event.get(name) is None:
        return None
    value = _ical_value(event, name, where)
    if not isinstance(value, date):
        raise ValueError(f"{where}, {name}: {value!r} is not a date or a date-time")
    return value


def _ical_value(event: icalendar.cal.Component, name: str, where: str) -> object:
    try:
        return event.decoded(name)
    except ValueError as error:
        raise ValueError(f"{where}, {name}: {error}") from error


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value
