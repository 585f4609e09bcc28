"""Plain-text reply splitting (see `zabota.connectors.email.reply`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from zabota.connectors.email import _reply_patterns as patterns

_CLOSING_BRACKET = re.compile(r"^>\s*:$")  # "<ivan@example.ru\n>:" wrapped by Gmail
_MAX_WRAP = 4  # lines an attribution may be wrapped over
_MAX_SIGNATURE_LINES = 6  # non-blank lines after a sign-off that still count as its signature


@dataclass(frozen=True, slots=True)
class ReplyParts:
    """The new text, the quoted history and the signature (plain text or HTML, per the caller)."""

    reply: str
    quoted: str
    signature: str


@dataclass(frozen=True, slots=True)
class _Bounds:
    begin: int  # first line of the reply
    end: int  # line after the reply
    signature: int  # first line of the signature (== cut when there is none)
    cut: int  # first line of the quoted history below the reply


def normalize_for_comparison(text: str) -> str:
    """How the tests and the benchmark compare a result with an expectation: line endings as
    ``\\n``, trailing whitespace removed from every line, and blank lines and surrounding
    whitespace removed from both ends."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _join(lines: list[str]) -> str:
    return "\n".join(line.rstrip() for line in lines).strip("\n")


# --- plain text --------------------------------------------------------------------------------


def split_reply(text: str) -> ReplyParts:
    """Split a plain-text body into new reply, quoted history and signature."""
    lines = _lines(text)
    bounds = _bounds([patterns.clean(line) for line in lines])
    reply = _join(lines[bounds.begin : bounds.end])
    signature = _join(lines[bounds.signature : bounds.cut])
    quoted_pieces = (
        lines[: bounds.begin],
        lines[bounds.end : bounds.signature],
        lines[bounds.cut :],
    )
    quoted = "\n".join(piece for piece in (_join(p) for p in quoted_pieces) if piece.strip())
    return ReplyParts(reply=reply, quoted=quoted, signature=signature)


def extract_reply(text: str) -> str:
    """The customer's new text from a plain-text email body (the whole body if nothing is new)."""
    reply = split_reply(text).reply
    if reply.strip():
        return reply
    return _join(_lines(text))


def _bounds(cl: list[str]) -> _Bounds:
    quoted = [line.startswith(">") for line in cl]
    cut, top_header_end = _find_cut(cl, quoted)
    signature = _find_signature(cl, quoted, cut)
    end = _strip_trailing_quote(cl, quoted, signature)
    begin = _find_begin(cl, quoted, end, top_header_end)
    if begin >= end:
        begin = end
    return _Bounds(begin=begin, end=end, signature=signature, cut=cut)


def _header_end(cl: list[str], quoted: list[bool], i: int) -> int | None:
    """If an unquoted line i starts an attribution, separator or header block, the line after it."""
    line = cl[i]
    if patterns.is_separator(line):
        return i + 1
    block_end = _header_block_end(cl, quoted, i)
    if block_end is not None:
        return block_end
    if patterns.is_rule(line):
        j = _next_nonblank(cl, i + 1, limit=3)
        if j is not None and not quoted[j]:
            block_end = _header_block_end(cl, quoted, j)
            if block_end is not None:
                return block_end
        return None
    return _attribution_end(cl, quoted, i)


def _attribution_end(cl: list[str], quoted: list[bool], i: int) -> int | None:
    parts: list[str] = []
    for k in range(_MAX_WRAP):
        j = i + k
        if j >= len(cl) or not cl[j] or (quoted[j] and not (k and _CLOSING_BRACKET.match(cl[j]))):
            return None
        if k == 1 and not patterns.may_start_wrapped_attribution(cl[i]):
            return None
        if k and (
            patterns.is_signature_delimiter(cl[j])
            or patterns.is_separator(cl[j])
            or patterns.header_field(cl[j])
        ):
            return None
        parts.append(cl[j])
        last = cl[j]
        if (last.endswith(":") or last[-1].isalpha() or last.endswith("-")) and patterns.is_attribution(
            " ".join(parts)
        ):
            return j + 1
    return None


def _header_block_end(cl: list[str], quoted: list[bool], i: int) -> int | None:
    """Outlook-style header block starting at i: a From or Date field, then at least one more."""
    first = patterns.header_field(cl[i])
    if first is None:
        return None
    kinds = {first}
    j = i + 1
    continuation = 0
    while j < len(cl) and j < i + 12 and cl[j] and not quoted[j]:
        kind = patterns.header_field(cl[j])
        if kind is None:
            continuation += 1
            if continuation > 2:
                break
        else:
            kinds.add(kind)
        j += 1
    if first in ("from", "date"):
        if "from" in kinds and len(kinds) >= 2 or kinds >= {"date", "subject"}:
            return j
    elif "from" in kinds and len(kinds) >= 3:
        return j
    return None


def _next_nonblank(cl: list[str], start: int, limit: int) -> int | None:
    for j in range(start, min(len(cl), start + limit)):
        if cl[j]:
            return j
    return None


def _starts_text(cl: list[str], quoted: list[bool], j: int) -> bool:
    line = cl[j]
    return not (
        quoted[j]
        or patterns.is_signature_delimiter(line)
        or patterns.is_mobile_footer(line)
        or _header_end(cl, quoted, j) is not None
    )


def _text_follows(cl: list[str], quoted: list[bool], start: int, need_quote: bool) -> bool:
    """After start: (a '>' block, when need_quote, and then) a line of new text."""
    j = start
    n = len(cl)
    while j < n and not cl[j]:
        j += 1
    if need_quote:
        if j >= n or not quoted[j]:
            return False
        j = _skip_quote(cl, quoted, j, n)
    return j < n and _starts_text(cl, quoted, j)


def _skip_quote(cl: list[str], quoted: list[bool], j: int, end: int) -> int:
    """The line after a '>' block that starts at j; a lower-case line glued to a quoted line is
    the quoted line's own wrapped tail, not new text."""
    while j < end:
        if quoted[j] or not cl[j] or j and quoted[j - 1] and cl[j][:1].islower():
            j += 1
        else:
            break
    return j


def _find_cut(cl: list[str], quoted: list[bool]) -> tuple[int, int | None]:
    """The first line of quoted history, and the end of a header that opens the message."""
    seen_text = False
    top_header_end: int | None = None
    top_start: int | None = None
    i = 0
    n = len(cl)
    while i < n:
        line = cl[i]
        if not line or quoted[i]:
            i += 1
            continue
        end = _header_end(cl, quoted, i)
        if end is None:
            seen_text = True
            i += 1
            continue
        if seen_text:
            return _include_rule_above(cl, i), top_header_end
        # Nothing new above the header: a bottom-posted or inline reply, or a forward.
        following = _next_nonblank(cl, end, limit=3)
        if (
            _text_follows(cl, quoted, end, need_quote=True)
            or _text_follows(cl, quoted, end, need_quote=False)
            or (following is not None and not quoted[following] and _header_end(cl, quoted, following))
        ):
            top_start = i if top_start is None else top_start
            top_header_end = end
            i = end
            continue
        return (i if top_start is None else top_start), None
    return n, top_header_end


def _include_rule_above(cl: list[str], i: int) -> int:
    j = i - 1
    while j >= 0 and not cl[j]:
        j -= 1
    if j >= 0 and patterns.is_rule(cl[j]):
        return j
    return i


def _find_signature(cl: list[str], quoted: list[bool], cut: int) -> int:
    seen_text = False
    for i in range(cut):
        line = cl[i]
        if not line or quoted[i]:
            continue
        if seen_text:
            if patterns.is_signature_delimiter(line) or patterns.is_mobile_footer(line):
                return i
            if patterns.is_sign_off(line) and _short_tail(cl, quoted, i + 1, cut):
                return i
            if patterns.is_dash_name(line) and _nothing_new_after(cl, quoted, i + 1, cut):
                return i
        seen_text = True
    return cut


def _short_tail(cl: list[str], quoted: list[bool], start: int, cut: int) -> bool:
    count = 0
    for j in range(start, cut):
        if quoted[j] or patterns.is_signature_delimiter(cl[j]) or patterns.is_mobile_footer(cl[j]):
            break
        if cl[j]:
            count += 1
            if count > _MAX_SIGNATURE_LINES or len(cl[j]) > 80:
                return False
    return True


def _nothing_new_after(cl: list[str], quoted: list[bool], start: int, cut: int) -> bool:
    for j in range(start, cut):
        if not cl[j] or quoted[j]:
            continue
        return patterns.is_signature_delimiter(cl[j]) or patterns.is_mobile_footer(cl[j])
    return True


def _strip_trailing_quote(cl: list[str], quoted: list[bool], end: int) -> int:
    stripped_quote = False
    while end > 0 and (not cl[end - 1] or quoted[end - 1]):
        stripped_quote = stripped_quote or quoted[end - 1]
        end -= 1
    if not stripped_quote or end == 0:
        return end
    for k in range(min(_MAX_WRAP, end)):
        first = end - 1 - k
        if not cl[first] or quoted[first]:
            break
        joined = " ".join(cl[first:end])
        if k and not patterns.may_start_wrapped_attribution(cl[first]):
            continue
        if patterns.is_attribution(joined) or patterns.looks_like_unknown_attribution(joined):
            end = first
            while end > 0 and not cl[end - 1]:
                end -= 1
            break
    return end


def _find_begin(cl: list[str], quoted: list[bool], end: int, top_header_end: int | None) -> int:
    """Skip a header and quote that open the message when new text follows them (bottom posting)."""
    first = _next_nonblank(cl, 0, limit=len(cl))
    if first is None or first >= end:
        return 0
    if top_header_end is not None and top_header_end <= end:
        j = top_header_end
    elif quoted[first]:
        j = first
    else:
        return 0
    j = _skip_quote(cl, quoted, j, end)
    if any(quoted[k] for k in range(j, end)):
        return 0  # quotes interleaved with answers: an inline reply, keep it whole
    return j
