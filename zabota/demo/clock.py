"""A movable clock for the seed: the actions read ``timezone.now()``, so patching it dates everything.

Actions, ``auto_now`` and ``auto_now_add`` fields all call ``django.utils.timezone.now`` through the
module, so one patch puts messages, events and timestamps at the moment the story needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest import mock


class Clock:
    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> datetime:
        self.current += delta
        return self.current


@contextmanager
def frozen_at(clock: Clock) -> Iterator[Clock]:
    with mock.patch("django.utils.timezone.now", new=clock.now):
        yield clock
