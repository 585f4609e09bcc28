"""extract_reply over every third-party fixture that has an expected result (see _reply_corpora)."""

from __future__ import annotations

import time

import pytest

from tests.connectors import _reply_corpora as corpora
from zabota.connectors.email.reply import extract_reply

pytestmark = pytest.mark.skipif(
    not corpora.available(), reason=f"third-party email corpora not found at {corpora.CORPORA_DIR}"
)

# Exact pass counts; a change in either direction must be looked at (and bench/README.md updated).
EXPECTED_PASSES = {
    corpora.CRISP: (50, 53),
    corpora.GITHUB: (9, 9),
    corpora.ZAPIER: (5, 5),
    corpora.TALON: (19, 21),
    corpora.ALFONSRV: (45, 45),
    corpora.QUOTEQUAIL: (13, 13),
}
# Where the corpus expects what our policy (docs/adr/0009) deliberately does otherwise.
KNOWN_DISAGREEMENTS = {
    "crisp/email_1.txt",  # keeps "-Abhishek Kona"; github's email_1_1 (same text) drops it, as we do
    "crisp/email_3.txt",  # same "-Abhishek Kona" sign-off
    "crisp/email_not_a_signature.txt",  # expects "Sincerely,\nSuper Domain Name Manager" kept
    "talon/iphone.eml",  # expects "Sent from my iPhone" kept
    "talon/sparrow.eml",  # expects the "-- " signature kept
}


@pytest.mark.parametrize("corpus", corpora.CORPORA)
def test_pass_count_per_corpus(corpus):
    # given
    cases = corpora.load(corpus)

    # when
    failed = sorted(case.id for case in cases if not corpora.compare(case, corpora.ours(case)))

    # then
    passes, total = EXPECTED_PASSES[corpus]
    assert len(cases) == total
    assert (len(cases) - len(failed), failed) == (passes, sorted(KNOWN_DISAGREEMENTS & set(failed)))


def test_the_crisp_russian_fixture_is_understood():
    case = next(c for c in corpora.load(corpora.CRISP) if c.name == "email_russian.txt")

    assert corpora.compare(case, extract_reply(case.body))
    assert "привет" not in extract_reply(case.body)


@pytest.mark.parametrize(
    "path",
    [
        "email_reply_parser_github/emails/email_long_quote.txt",
        "email_reply_parser_github/emails/pathological.txt",
        "email_reply_parser_zapier/emails/pathological.txt",
    ],
)
def test_performance_fixtures_parse_within_a_second(path):
    body = (corpora.CORPORA_DIR / path).read_text(encoding="utf-8")

    started = time.perf_counter()
    reply = extract_reply(body)
    elapsed = time.perf_counter() - started

    assert elapsed < 1.0
    assert reply
