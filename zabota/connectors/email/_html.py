"""A flat token view of an HTML email, built on the standard library's `html.parser`.

Reply extraction needs three things from HTML: the text as lines (to reuse the plain-text
rules), the token where each line starts (to cut there), and serialisation of a token range
back to balanced HTML. A flat list of tokens with an open-element stack gives all three
without a DOM library.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    }
)
BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "center", "dd", "div", "dl", "dt", "fieldset",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "html", "li",
        "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "tfoot", "thead", "tr", "ul",
    }
)  # fmt: skip
CELL = frozenset({"td", "th"})  # cells of one row stay on one line
HIDDEN = frozenset({"head", "script", "style", "title", "template", "xml"})
_SPACES = re.compile(r"[ \t\n\r\f]+")


@dataclass(slots=True)
class Token:
    kind: str  # "start" | "end" | "void" | "data"
    tag: str = ""
    attrs: dict[str, str] = field(default_factory=dict)
    raw: str = ""


class _Tokenizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[Token] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or f"<{tag}>"
        if "@" in tag:  # an unescaped address such as <jane@example.com> is text, not a tag
            self.tokens.append(Token("data", raw=raw))
            return
        values = {name: value or "" for name, value in attrs}
        self.tokens.append(Token("void" if tag in VOID else "start", tag, values, raw))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or f"<{tag}/>"
        if "@" in tag:
            self.tokens.append(Token("data", raw=raw))
            return
        values = {name: value or "" for name, value in attrs}
        self.tokens.append(Token("void", tag, values, raw))

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID:
            self.tokens.append(Token("end", tag, raw=f"</{tag}>"))

    def handle_data(self, data: str) -> None:
        self.tokens.append(Token("data", raw=data))


def tokenize(markup: str) -> list[Token]:
    parser = _Tokenizer()
    parser.feed(markup)
    parser.close()
    return parser.tokens


@dataclass(slots=True)
class Line:
    text: str
    start: int  # index of the first token that belongs to the line
    synthetic: bool = False  # a rule drawn for <hr>, not text of the message


def lines_of(tokens: list[Token], end: int | None = None) -> list[Line]:
    """The visible text of tokens[:end] as lines, each with the token it starts at.

    A line starts at the token after the previous break: a block start tag belongs to the line
    it opens, so cutting at `Line.start` removes the whole block.
    """
    stop = len(tokens) if end is None else end
    lines: list[Line] = []
    parts: list[str] = []
    start = 0
    hidden = 0
    pre = 0

    def flush(blank_too: bool) -> None:
        nonlocal parts
        text = "".join(parts)
        if not pre:
            text = _SPACES.sub(" ", text).strip(" ")
        if text or blank_too:
            lines.append(Line(text, start))
        parts = []

    for index in range(stop):
        token = tokens[index]
        tag = token.tag
        if token.kind == "data":
            if hidden:
                continue
            text = token.raw
            if not pre:
                text = _SPACES.sub(" ", text)
            parts.append(text)
        elif tag in HIDDEN:
            if token.kind == "start":
                hidden += 1
            elif token.kind == "end" and hidden:
                hidden -= 1
        elif hidden:
            continue
        elif tag == "br":
            flush(blank_too=True)
            start = index + 1
        elif tag == "hr":
            flush(blank_too=False)
            lines.append(Line("________", index, synthetic=True))
            start = index + 1
        elif tag in CELL:
            parts.append(" ")
        elif tag in BLOCK:
            if tag == "pre":
                pre = pre + 1 if token.kind == "start" else max(pre - 1, 0)
            had_text = "".join(parts).strip() != ""
            flush(blank_too=False)
            if token.kind == "end":
                start = index + 1
            elif had_text:
                start = index
    flush(blank_too=False)
    return _squeeze(lines)


def _squeeze(lines: list[Line]) -> list[Line]:
    """Collapse runs of more than two blank lines, which block tags inside block tags produce."""
    result: list[Line] = []
    blanks = 0
    for line in lines:
        blanks = blanks + 1 if not line.text.strip() else 0
        if blanks <= 2:
            result.append(line)
    return result


def serialize(tokens: list[Token], start: int, end: int) -> str:
    """tokens[start:end] as HTML with every element it opens closed and stray end tags dropped."""
    out: list[str] = []
    stack: list[str] = []
    for token in tokens[start:end]:
        if token.kind == "data":
            out.append(html.escape(token.raw, quote=False))
        elif token.kind == "void":
            out.append(token.raw)
        elif token.kind == "start":
            out.append(token.raw)
            stack.append(token.tag)
        elif token.tag in stack:
            while stack:
                open_tag = stack.pop()
                out.append(f"</{open_tag}>")
                if open_tag == token.tag:
                    break
    out.extend(f"</{tag}>" for tag in reversed(stack))
    return "".join(out)
