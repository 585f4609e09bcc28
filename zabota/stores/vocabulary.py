"""Conversation categories and channels, as agents' skills and per-channel capacity refer to them.

They are defined by ``conversations``, a higher layer that ``stores`` must not import, so conversations
registers them at start-up (``AppConfig.ready``) and stores reads them from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

CATEGORIES: list[tuple[str, Any]] = []
CHANNELS: list[tuple[str, Any]] = []


def register(*, categories: Iterable[tuple[str, Any]], channels: Iterable[tuple[str, Any]]) -> None:
    CATEGORIES[:] = list(categories)
    CHANNELS[:] = list(channels)


def category_values() -> set[str]:
    return {value for value, _label in CATEGORIES}


def channel_values() -> set[str]:
    return {value for value, _label in CHANNELS}
