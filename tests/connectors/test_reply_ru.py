"""Our own Russian cases: tests/connectors/data/reply_ru/<name>.{txt,html} with <name>.expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from zabota.connectors.email.reply import (
    extract_reply,
    extract_reply_html,
    html_to_text,
    normalize_for_comparison,
)

CASES_DIR = Path(__file__).parent / "data" / "reply_ru"
CASES = sorted(p for p in CASES_DIR.iterdir() if p.suffix in (".txt", ".html"))


def test_there_are_at_least_25_cases_in_both_formats():
    assert len(CASES) == 32
    assert sum(p.suffix == ".html" for p in CASES) == 11


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_russian_case(path):
    body = path.read_text(encoding="utf-8")
    expected = path.with_suffix(".expected").read_text(encoding="utf-8")

    actual = html_to_text(extract_reply_html(body)) if path.suffix == ".html" else extract_reply(body)

    assert normalize_for_comparison(actual) == normalize_for_comparison(expected)
