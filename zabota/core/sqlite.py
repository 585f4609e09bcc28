"""Unicode-aware LIKE for SQLite, so that searching «иван» finds «Иван» on the embedded database.

SQLite's built-in LIKE folds case for ASCII letters only, which breaks every case-insensitive lookup
(``icontains`` and friends) on Cyrillic text. SQLite lets an application replace the ``like()``
function that the LIKE operator calls; we register one that folds case with Python's Unicode rules.
PostgreSQL needs nothing: Django uses ``UPPER(...) LIKE UPPER(...)`` there, which is Unicode-aware.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=512)
def _compile(pattern: str, escape: str | None) -> re.Pattern[str]:
    parts: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if escape is not None and char == escape:
            parts.append(re.escape(next(chars, "")))
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def unicode_like(pattern: str | None, value: Any, escape: str | None = None) -> bool | None:
    """SQL ``value LIKE pattern [ESCAPE escape]`` with Unicode case folding (NULL in, NULL out)."""
    if pattern is None or value is None:
        return None
    return _compile(pattern, escape).fullmatch(str(value)) is not None


def install(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: replace LIKE on every new SQLite connection."""
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    raw.create_function("like", 2, lambda pattern, value: unicode_like(pattern, value), deterministic=True)
    raw.create_function("like", 3, unicode_like, deterministic=True)
