"""Business-time arithmetic: pure Python, no Django, no database.

A `Calendar` is a week of working intervals in one timezone, plus dated exceptions:

- intervals are *wall-clock* times of the calendar's timezone and belong to the day they start on; an
  interval whose end is not after its start crosses midnight (``["22:00", "06:00"]`` is a night shift that
  starts on that weekday), ``"24:00"`` may end an interval;
- a holiday removes the hours that *start* on that date (a night shift begun the evening before still
  runs into it);
- a transferred working day ("workday", e.g. a working Saturday) gets the hours of the
  ``transfer_hours_from`` weekday (Monday unless told otherwise);
- a shortened day (the Russian pre-holiday day) ends `SHORTENED_BY_MINUTES` earlier.

Minutes are *real elapsed* minutes. Each wall-clock boundary is turned into an instant the way
``datetime(..., tzinfo=ZoneInfo(...))`` does (``fold=0``: an ambiguous time is its first occurrence, a time
inside a spring-forward gap is read with the offset before the gap). So a 09:00–17:00 day is 8 real hours on
a DST-change day (the change happens at night), while a 22:00–06:00 night shift across the change is 7 real
hours in spring and 9 in autumn.

The functions step day by day over precomputed per-weekday intervals (never minute by minute) in integer
microseconds, with a bounded cache of each day's intervals as instants that equal calendars share (so
building a `Calendar` per call from the same configuration still hits the cache; parsing is the cost left).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "SHORTENED_BY_MINUTES",
    "WEEKDAYS",
    "Calendar",
    "business_minutes_between",
    "due_at",
    "is_working_time",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SHORTENED_BY_MINUTES = 60
MINUTES_PER_DAY = 24 * 60
# With no working time for this many days in a row the calendar is treated as never open.
_IDLE_DAYS_LIMIT = 366
_CACHE_LIMIT = 4096
_SHARED_LIMIT = 256
_ONE_DAY = timedelta(days=1)
_MICROSECOND = timedelta(microseconds=1)
_US_PER_MINUTE = 60_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_KEYS = frozenset({"timezone", "week", "holidays", "workdays", "shortened", "transfer_hours_from"})

# (start, end) in minutes after the local midnight of the day the interval belongs to; end may exceed 1440.
Interval = tuple[int, int]
# [begin, end) in microseconds since the Unix epoch: integer arithmetic is exact and fast
_Span = tuple[int, int]
_Spans = dict[int, tuple[_Span, ...]]  # by the proleptic ordinal of the day the intervals belong to


@dataclass(frozen=True)
class Calendar:
    """Working time of a store or team. Build it with `from_dict` or `always`."""

    timezone: str
    week: tuple[tuple[Interval, ...], ...]
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    shortened: frozenset[date] = frozenset()
    transfer_hours_from: int = 0
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _always: bool = field(init=False, repr=False, compare=False)
    _spans: _Spans = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError("week: expected 7 days (mon..sun)")
        if not 0 <= self.transfer_hours_from <= 6:
            raise ValueError("transfer_hours_from: expected a weekday 0 (mon) .. 6 (sun)")
        object.__setattr__(self, "_zone", _zone(self.timezone))
        always = (
            all(day == ((0, MINUTES_PER_DAY),) for day in self.week)
            and not self.holidays
            and not self.shortened
        )
        object.__setattr__(self, "_always", always)
        # equal calendars (one per `BusinessCalendar.to_calendar()` call) share their cache of day spans
        spans = _SHARED_SPANS.get(self)
        if spans is None:
            if len(_SHARED_SPANS) >= _SHARED_LIMIT:
                _SHARED_SPANS.clear()
            spans = _SHARED_SPANS[self] = {}
        object.__setattr__(self, "_spans", spans)

    @classmethod
    def always(cls) -> Calendar:
        """24/7: every minute counts."""
        return cls(timezone="UTC", week=(((0, MINUTES_PER_DAY),),) * 7)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Calendar:
        """Validate and build a calendar; a ValueError names the bad field.

        ``{"timezone": "Europe/Moscow", "week": {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], ...},
        "holidays": ["2026-01-01"], "workdays": [], "shortened": [], "transfer_hours_from": "mon"}``;
        ``timezone`` and ``week`` are required, a weekday missing from ``week`` has no working time, a
        missing or null list is empty.
        """
        if not isinstance(data, Mapping):
            raise ValueError("calendar: expected a mapping")
        unknown = sorted(set(data) - _KEYS)
        if unknown:
            raise ValueError(f"calendar: unknown field(s) {', '.join(map(str, unknown))}")
        if "timezone" not in data:
            raise ValueError("timezone: required")
        if "week" not in data:
            raise ValueError("week: required")
        timezone = data["timezone"]
        _zone(timezone)
        week = _parse_week(data["week"])
        holidays = _parse_dates(data.get("holidays") or (), "holidays")
        workdays = _parse_dates(data.get("workdays") or (), "workdays")
        shortened = _parse_dates(data.get("shortened") or (), "shortened")
        both = sorted(holidays & workdays)
        if both:
            raise ValueError(f"workdays: {both[0].isoformat()} is also listed in holidays")
        transfer = data.get("transfer_hours_from") or "mon"
        if transfer not in WEEKDAYS:
            raise ValueError(f"transfer_hours_from: expected one of {', '.join(WEEKDAYS)}, got {transfer!r}")
        return cls(
            timezone=timezone,
            week=week,
            holidays=holidays,
            workdays=workdays,
            shortened=shortened,
            transfer_hours_from=WEEKDAYS.index(transfer),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form `from_dict` reads back to an equal calendar."""
        return {
            "timezone": self.timezone,
            "week": {
                key: [[_clock(start), _clock(end, end=True)] for start, end in day]
                for key, day in zip(WEEKDAYS, self.week, strict=True)
            },
            "holidays": sorted(day.isoformat() for day in self.holidays),
            "workdays": sorted(day.isoformat() for day in self.workdays),
            "shortened": sorted(day.isoformat() for day in self.shortened),
            "transfer_hours_from": WEEKDAYS[self.transfer_hours_from],
        }

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def local_intervals(self, day: date) -> tuple[Interval, ...]:
        """The wall-clock intervals that start on `day`, after holidays, transfers and shortening."""
        if day in self.holidays:
            return ()
        hours = self.week[self.transfer_hours_from if day in self.workdays else day.weekday()]
        if hours and day in self.shortened:
            cutoff = max(end for _, end in hours) - SHORTENED_BY_MINUTES
            hours = tuple((start, min(end, cutoff)) for start, end in hours if min(end, cutoff) > start)
        return hours

    def _day_spans(self, ordinal: int) -> tuple[_Span, ...]:
        """`local_intervals` of the day as epoch microseconds (empty spans dropped), cached."""
        spans = self._spans.get(ordinal)
        if spans is not None:
            return spans
        day = date.fromordinal(ordinal)
        result = []
        for start, end in self.local_intervals(day):
            begin, finish = self._instant(day, start), self._instant(day, end)
            if begin < finish:
                result.append((begin, finish))
        spans = tuple(result)
        if len(self._spans) >= _CACHE_LIMIT:
            self._spans.clear()
        self._spans[ordinal] = spans
        return spans

    def _instant(self, day: date, minute: int) -> int:
        days, minute = divmod(minute, MINUTES_PER_DAY)
        if days:
            day += timedelta(days=days)
        hour, minute = divmod(minute, 60)
        return _to_us(datetime(day.year, day.month, day.day, hour, minute, tzinfo=self._zone))

    def _local_ordinal(self, instant: datetime) -> int:
        return instant.astimezone(self._zone).toordinal()


_SHARED_SPANS: dict[Calendar, _Spans] = {}


def due_at(start: datetime, minutes: int, calendar: Calendar) -> datetime:
    """The instant when `minutes` of working time have passed since `start`, in `start`'s timezone.

    ``minutes=0`` gives `start` itself when it is working time, else the next opening. A target that ends
    exactly at closing time is due at closing time, not at the next opening.
    """
    _require_aware(start, "start")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
        raise ValueError(f"minutes: expected a non-negative integer, got {minutes!r}")
    cursor = _to_us(start)
    remaining = minutes * _US_PER_MINUTE
    if calendar._always:
        return _from_us(cursor + remaining, start)
    ordinal = calendar._local_ordinal(start) - 1
    day_spans = calendar._day_spans
    idle_days = 0
    while True:
        spans = day_spans(ordinal)
        if spans:
            idle_days = 0
            for begin, finish in spans:
                if finish <= cursor:
                    continue
                begin = max(begin, cursor)
                available = finish - begin
                if remaining <= available:
                    return _from_us(begin + remaining, start)
                remaining -= available
                cursor = finish
        else:
            idle_days += 1
            if idle_days > _IDLE_DAYS_LIMIT:
                last = date.fromordinal(ordinal - idle_days)
                raise ValueError(f"calendar: no working time in the year after {last.isoformat()}")
        ordinal += 1


def business_minutes_between(start: datetime, end: datetime, calendar: Calendar) -> int:
    """Whole minutes of working time in [start, end); 0 when end is not after start."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    cursor, stop = _to_us(start), _to_us(end)
    if stop <= cursor:
        return 0
    if calendar._always:
        return (stop - cursor) // _US_PER_MINUTE
    total = 0
    ordinal = calendar._local_ordinal(start) - 1
    last = calendar._local_ordinal(end)
    day_spans = calendar._day_spans
    while ordinal <= last:
        for begin, finish in day_spans(ordinal):
            begin, finish = max(begin, cursor), min(finish, stop)
            if finish > begin:
                total += finish - begin
                cursor = finish
        ordinal += 1
    return total // _US_PER_MINUTE


def is_working_time(at: datetime, calendar: Calendar) -> bool:
    """Whether `at` falls inside working time (an interval includes its start, not its end)."""
    _require_aware(at, "at")
    if calendar._always:
        return True
    instant = _to_us(at)
    ordinal = calendar._local_ordinal(at)
    return any(
        begin <= instant < finish
        for probe in (ordinal - 1, ordinal)
        for begin, finish in calendar._day_spans(probe)
    )


def _to_us(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def _from_us(microseconds: int, like: datetime) -> datetime:
    return (_EPOCH + timedelta(microseconds=microseconds)).astimezone(like.tzinfo)


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise ValueError(f"{name}: expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name}: expected an aware datetime, got a naive one ({value.isoformat()})")


def _zone(name: object) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise ValueError(f"timezone: expected an IANA name such as 'Europe/Moscow', got {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"timezone: unknown timezone {name!r}") from error


def _parse_week(value: object) -> tuple[tuple[Interval, ...], ...]:
    if not isinstance(value, Mapping):
        raise ValueError('week: expected a mapping such as {"mon": [["09:00", "18:00"]]}')
    unknown = sorted(str(key) for key in value if key not in WEEKDAYS)
    if unknown:
        raise ValueError(f"week: unknown day(s) {', '.join(unknown)}; expected {', '.join(WEEKDAYS)}")
    return tuple(_parse_day(value.get(key) or (), f"week.{key}") for key in WEEKDAYS)


def _parse_day(value: object, where: str) -> tuple[Interval, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValueError(f'{where}: expected a list of ["HH:MM", "HH:MM"] pairs')
    intervals = []
    for index, pair in enumerate(value):
        here = f"{where}[{index}]"
        if isinstance(pair, str | bytes) or not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ValueError(f'{here}: expected a ["HH:MM", "HH:MM"] pair, got {pair!r}')
        start = _parse_clock(pair[0], f"{here}[0]", allow_midnight_end=False)
        end = _parse_clock(pair[1], f"{here}[1]", allow_midnight_end=True)
        if end <= start:
            end += MINUTES_PER_DAY
        intervals.append((start, end))
    return _merge(intervals)


def _merge(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Overlapping or touching intervals of one day become one, as long as it stays within 24 hours
    (a longer one could not be written back as an "HH:MM" pair); the arithmetic never counts an overlap twice."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] and max(end, merged[-1][1]) - merged[-1][0] <= MINUTES_PER_DAY:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def _parse_clock(value: object, where: str, *, allow_midnight_end: bool) -> int:
    match = _CLOCK.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f'{where}: expected a time "HH:MM", got {value!r}')
    hour, minute = int(match[1]), int(match[2])
    if hour == 24 and minute == 0 and allow_midnight_end:
        return MINUTES_PER_DAY
    if hour > 23 or minute > 59:
        hint = ' ("24:00" may only end an interval)' if hour == 24 else ""
        raise ValueError(f"{where}: {value!r} is not a time of day{hint}")
    return hour * 60 + minute


def _parse_dates(value: object, where: str) -> frozenset[date]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValueError(f'{where}: expected a list of ISO dates such as ["2026-01-01"]')
    days = set()
    for index, item in enumerate(value):
        if isinstance(item, date) and not isinstance(item, datetime):
            days.add(item)
            continue
        try:
            if not isinstance(item, str):
                raise TypeError
            days.add(date.fromisoformat(item))
        except (TypeError, ValueError) as error:
            raise ValueError(f"{where}[{index}]: {item!r} is not an ISO date (YYYY-MM-DD)") from error
    return frozenset(days)


def _clock(minute: int, *, end: bool = False) -> str:
    if end and minute == MINUTES_PER_DAY:
        return "24:00"
    minute %= MINUTES_PER_DAY
    return f"{minute // 60:02d}:{minute % 60:02d}"
