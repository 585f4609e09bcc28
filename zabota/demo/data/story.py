"""One demo conversation story: category, subject, turns, tags (the data lives in ``stories_*.py``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Story:
    category: str
    subject: str
    turns: tuple[tuple[str, str], ...]
    tags: tuple[str, ...] = ()
    priority: str = "normal"
    escalate: str = ""
    gender: str = ""  # "f" / "m" when the customer's text is gendered
