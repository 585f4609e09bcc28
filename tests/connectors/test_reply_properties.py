"""Properties of reply extraction on arbitrary input (hypothesis).

Stated properties:
- extract_reply / split_reply / extract_reply_html / html_to_text never raise;
- every line of extract_reply's result is, trailing whitespace removed, a line of the input
  (line endings normalised: \\r\\n and \\r count as \\n);
- extract_reply is idempotent on email-like text built from the grammar below (reply lines,
  attribution lines, '>' quotes, signatures, footers): extract_reply(extract_reply(x)) ==
  extract_reply(x). It is not claimed for arbitrary text.
"""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from zabota.connectors.email.reply import (
    extract_reply,
    extract_reply_html,
    html_to_text,
    split_reply,
    split_reply_html,
)

LINES = st.sampled_from(
    [
        "Здравствуйте!",
        "Заказ №1234 не пришёл.",
        "Thanks, it works.",
        "",
        "",
        "> цитата",
        ">",
        "> On Monday, 1 Jan 2024, Bob <b@example.com> wrote:",
        "пн, 6 окт. 2014 г. в 10:00, Иван <ivan@example.ru>:",
        "On Tue, Sep 25, 2012 at 8:59 AM, Chris <c@example.com> wrote:",
        "От: Магазин <shop@example.ru>",
        "Отправлено: 3 марта 2025 г. 9:12",
        "Тема: RE: заказ",
        "----- Исходное сообщение -----",
        "-- ",
        "С уважением,",
        "Иван",
        "Отправлено с iPhone",
        "________________________________",
        "On Monday I wrote:",
    ]
)
EMAILS = st.lists(LINES, max_size=25).map("\n".join)


def _input_lines(text: str) -> set[str]:
    return {line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")}


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_arbitrary_text_never_raises_and_output_lines_come_from_input(text):
    reply = extract_reply(text)
    parts = split_reply(text)

    assert set(reply.split("\n")) <= _input_lines(text)
    assert set(parts.reply.split("\n")) <= _input_lines(text) | {""}


@settings(max_examples=400, deadline=None)
@given(EMAILS)
def test_email_like_text_output_lines_come_from_input(text):
    assert set(extract_reply(text).split("\n")) <= _input_lines(text)


@settings(max_examples=400, deadline=None)
@given(EMAILS)
def test_extract_reply_is_idempotent_on_email_like_text(text):
    # Holds with at most one sign-off: a sign-off followed by a tail too long for a signature is kept on the
    # first pass, and cutting a later one can turn it into a short signature that the second pass removes.
    # and when the customer wrote something new on top: with no new text the whole body is kept on purpose, and
    # a second pass may then find a reply inside it.
    assume(text.count("С уважением,") <= 1)
    text = "Добрый день, где мой заказ 1042?\n" + text
    once = extract_reply(text)

    assert extract_reply(once) == once


HTML_PIECES = st.sampled_from(
    ["<", ">", "/", "=", '"', " ", "a", "&", ";", "#", ":", "@", "\n", "-", "Ответ", "<div>", "</div>", "<p>", "<br>",
     "<blockquote>", "</blockquote>", '<div class="gmail_quote">', "<hr>", "<style>", "</style>", "<b>", "</i>",
     "On 1 Jan 2024, Bob <b@example.com> wrote:", "От: Иван", "Отправлено: 3 марта 2025 г.", "Тема: x", "-- "]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(HTML_PIECES, max_size=40).map("".join))
def test_arbitrary_html_never_raises(markup):
    split_reply_html(markup)
    html_to_text(extract_reply_html(markup))
