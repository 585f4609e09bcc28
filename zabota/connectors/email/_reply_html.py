"""HTML reply splitting (see `zabota.connectors.email.reply`)."""

from __future__ import annotations

import re

from zabota.connectors.email import _html
from zabota.connectors.email import _reply_patterns as patterns
from zabota.connectors.email._reply_text import ReplyParts, _bounds, _join

# --- HTML --------------------------------------------------------------------------------------

_QUOTE_CLASSES = (
    "gmail_quote",
    "moz-cite-prefix",
    "moz-forward-container",
    "yahoo_quoted",
    "outlookmessageheader",
)
_QUOTE_IDS = (
    "divrplyfwdmsg",
    "appendonsend",
    "stopspelling",
    "olk_src_body_section",
    "mail-editor-reference-message",
)
_SIGNATURE_CLASSES = ("gmail_signature", "moz-signature")
_TAGS = re.compile(r"<[^>]*>")


def _is_quote_container(token: _html.Token) -> bool:
    if token.kind not in ("start", "void"):
        return False
    if token.tag == "blockquote":
        return True
    css = token.attrs.get("class", "").lower()
    ident = token.attrs.get("id", "").lower()
    return any(name in css for name in _QUOTE_CLASSES) or any(name in ident for name in _QUOTE_IDS)


def _is_signature_container(token: _html.Token) -> bool:
    css = token.attrs.get("class", "").lower()
    return token.kind == "start" and any(name in css for name in _SIGNATURE_CLASSES)


def split_reply_html(markup: str) -> ReplyParts:
    """Split an HTML body into new reply, quoted history and signature, each as HTML.

    Quote containers (blockquote, Gmail's gmail_quote, Thunderbird's moz-cite-prefix, Yahoo's
    yahoo_quoted, Outlook's divRplyFwdMsg, Hotmail's stopSpelling rule…) cut the message where
    they start; the text rules of `split_reply` then find attribution lines, Outlook header
    blocks (Outlook and Windows Mail draw no container) and signatures in the text above the cut.
    The result is not sanitised: render it through nh3 like any other email HTML.
    """
    tokens = _html.tokenize(markup)
    container = next((i for i, token in enumerate(tokens) if _is_quote_container(token)), len(tokens))
    lines = _html.lines_of(tokens, container)
    if not any(line.text.strip() for line in lines):
        # Nothing above the container (a forward, a bottom-posted reply): read the whole body.
        container = len(tokens)
        lines = _html.lines_of(tokens)
    bounds = _bounds([patterns.clean(line.text) for line in lines])

    def token_at(line_index: int) -> int:
        return lines[line_index].start if line_index < len(lines) else container

    begin, end = token_at(bounds.begin), token_at(bounds.end)
    signature, cut = token_at(bounds.signature), token_at(bounds.cut)
    marked = next((i for i in range(begin, end) if _is_signature_container(tokens[i])), None)
    if marked is not None:
        end, signature = marked, marked
    reply = _html.serialize(tokens, 0, end) if begin == 0 else _html.serialize(tokens, begin, end)
    quoted_parts = [_html.serialize(tokens, 0, begin)] if begin else []
    quoted_parts += [_html.serialize(tokens, end, signature), _html.serialize(tokens, cut, len(tokens))]
    quoted = "".join(part for part in quoted_parts if _TAGS.sub("", part).strip())
    return ReplyParts(reply=reply, quoted=quoted, signature=_html.serialize(tokens, signature, cut))


def extract_reply_html(markup: str) -> str:
    """The customer's new text from an HTML body, as HTML (the whole body if nothing is new)."""
    reply = split_reply_html(markup).reply
    if html_to_text(reply).strip():
        return reply
    return markup


def html_to_text(markup: str) -> str:
    """Readable plain text of an HTML fragment: block elements and <br> become line breaks."""
    lines = _html.lines_of(_html.tokenize(markup))
    return _join([line.text for line in lines if not line.synthetic])
