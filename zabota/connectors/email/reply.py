"""Separate a customer's new reply from quoted history, attribution lines and signatures.

Pure Python (no Django), for plain text and HTML bodies. The rules, in order:

1. **Hard cut** — the first unquoted line that starts quoted history: an attribution line
   (possibly wrapped over up to four lines) such as ``On 6 Oct 2014, Ivan wrote:`` or
   ``пн, 6 окт. 2014 г. в 10:00, Иван <ivan@example.ru>:``, a separator such as
   ``-----Original Message-----`` / ``-------- Пересылаемое сообщение --------``, or an Outlook
   header block (``From: / Sent: / To: / Subject:``, ``От: / Отправлено: / Кому: / Тема:``…).
   A header that opens the message (nothing new above it) is not a cut when new text follows
   it: that is bottom posting, an inline reply or a forward with the text below its headers.
2. **Signature** — before the cut: ``--`` / ``-- `` / underscore rules, mobile footers
   (``Sent from my iPhone``, ``Отправлено из мобильной Почты Mail.ru``…), a sign-off alone on
   its line (``С уважением,``, ``Best regards``) followed by at most six short lines, or a
   trailing ``-Name``.
3. **Trailing quote** — ``>`` lines at the end, and an attribution line in a language we have
   no verb for when it sits right above them (a short line ending in ``:`` with a date).
4. **Bottom posting** — a message that starts with one quoted block and continues with new
   text yields the text after the block.

If nothing new is left (a bare forward, a message that is all quote) `extract_reply` returns
the whole text, so an agent never sees an empty message; `split_reply` still says what is what.
"""

from __future__ import annotations

from zabota.connectors.email._reply_html import extract_reply_html, html_to_text, split_reply_html
from zabota.connectors.email._reply_text import (
    ReplyParts,
    extract_reply,
    normalize_for_comparison,
    split_reply,
)

__all__ = [
    "ReplyParts",
    "extract_reply",
    "extract_reply_html",
    "html_to_text",
    "normalize_for_comparison",
    "split_reply",
    "split_reply_html",
]
