"""The reply-extraction corpora as (input, expected) cases, shared by the tests and bench/email_reply.py.

Upstream fixtures live outside the repository in ``../shared/data/email`` (never copied here).
Expectations come from each corpus's ``expected.json`` (transcribed from upstream tests) or, for
corpora whose upstream expectations are code, from our own transcription in ``data/``.
"""

from __future__ import annotations

import email
import json
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPORA_DIR = (HERE.parents[1] / ".." / "shared" / "data" / "email").resolve()
DATA_DIR = HERE / "data"

CRISP = "crisp"
GITHUB = "github"
ZAPIER = "zapier"
TALON = "talon"
ALFONSRV = "alfonsrv"
QUOTEQUAIL = "quotequail"
CORPORA = (CRISP, GITHUB, ZAPIER, TALON, ALFONSRV, QUOTEQUAIL)


@dataclass(frozen=True)
class Case:
    corpus: str
    name: str
    kind: str  # "text" | "html"
    body: str
    expected: str
    comparison: str  # "normalized" (normalize_for_comparison) | "no_whitespace" (talon's HTML rule)

    @property
    def id(self) -> str:
        return f"{self.corpus}/{self.name}"


def available() -> bool:
    return CORPORA_DIR.is_dir()


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _first_text_plain(path: Path) -> str:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return str(part.get_content())
    raise LookupError(f"no text/plain part in {path}")


def _crisp() -> list[Case]:
    root = CORPORA_DIR / "email_reply_parser_crisp"
    spec = json.loads(_read(root / "expected.json"))
    cases: list[tuple[str, str]] = [
        (n, spec["COMMON_FIRST_FRAGMENT"]) for n in spec["first_fragment_trim_equals_COMMON"]
    ]
    cases += list(spec["visible_text_exact"].items()) + list(spec["fragment0_exact"].items())
    # "single fragment, no signature": the whole message is the reply.
    cases += [(n, _read(root / "fixtures" / n)) for n in spec["single_fragment_no_signature"]]
    return [Case(CRISP, n, "text", _read(root / "fixtures" / n), e, "normalized") for n, e in sorted(cases)]


def _github_like(corpus: str, folder: str) -> list[Case]:
    root = CORPORA_DIR / folder
    spec = json.loads(_read(root / "expected.json"))
    expected: dict[str, str] = dict(spec.get("visible_text_exact", {}))
    expected.update(spec.get("reply_strip_exact", {}))
    for name, frag in spec.get("fragments", {}).items():
        # visible text == fragment 0 when every later fragment is hidden
        if "fragment0_exact" in frag and all(frag.get("hidden", [False, False])[1:]):
            expected.setdefault(name, frag["fragment0_exact"])
    return [
        Case(corpus, n, "text", _read(root / "emails" / n), e, "normalized")
        for n, e in sorted(expected.items())
    ]


def _talon() -> list[Case]:
    root = CORPORA_DIR / "talon_mailgun" / "fixtures"
    spec = json.loads(_read(root.parent / "expected.json"))
    cases = []
    for path in sorted((root / "standard_replies").glob("*.eml")):
        reply_file = path.with_name(f"{path.stem}_reply_text")
        expected = _read(reply_file) if reply_file.exists() else "Hello"
        cases.append(Case(TALON, path.name, "text", _first_text_plain(path), expected, "normalized"))
    for name in spec["html_replies_files"]:
        body = _read(root / "html_replies" / name)
        cases.append(
            Case(TALON, name, "html", body, spec["html_replies_expected_whitespace_removed"], "no_whitespace")
        )
    return cases


def _ours(corpus: str, folder: str, sub: str, kind: str) -> list[Case]:
    spec = json.loads(_read(DATA_DIR / f"expected_{corpus}.json"))
    root = CORPORA_DIR / folder / sub
    return [
        Case(corpus, n, kind, _read(root / n), e, "normalized") for n, e in sorted(spec["expected"].items())
    ]


def load(corpus: str) -> list[Case]:
    if corpus == CRISP:
        return _crisp()
    if corpus == GITHUB:
        return _github_like(GITHUB, "email_reply_parser_github")
    if corpus == ZAPIER:
        return _github_like(ZAPIER, "email_reply_parser_zapier")
    if corpus == TALON:
        return _talon()
    if corpus == ALFONSRV:
        return _ours(ALFONSRV, "mail_parser_reply_alfonsrv", "emails", "text")
    if corpus == QUOTEQUAIL:
        return _ours(QUOTEQUAIL, "quotequail_closeio", "files", "html")
    raise ValueError(corpus)


def compare(case: Case, actual: str) -> bool:
    from zabota.connectors.email.reply import normalize_for_comparison

    if case.comparison == "no_whitespace":
        return "".join(actual.split()) == "".join(case.expected.split())
    return normalize_for_comparison(actual) == normalize_for_comparison(case.expected)


def ours(case: Case) -> str:
    """Zabota's answer for a case, as text."""
    from zabota.connectors.email.reply import extract_reply, extract_reply_html, html_to_text

    if case.kind == "html":
        return html_to_text(extract_reply_html(case.body))
    return extract_reply(case.body)
