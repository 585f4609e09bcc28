"""split_reply / split_reply_html: what goes where, fallbacks, and false positives."""

from __future__ import annotations

import pytest

from zabota.connectors.email.reply import (
    ReplyParts,
    extract_reply,
    extract_reply_html,
    html_to_text,
    normalize_for_comparison,
    split_reply,
    split_reply_html,
)


def test_split_reply_separates_reply_signature_and_quote():
    body = (
        "Коробка помята.\n\nС уважением,\nИван\n\n"
        "пн, 6 окт. 2014 г. в 10:00, Магазин <shop@example.ru>:\n\n> Заказ отправлен.\n"
    )

    assert split_reply(body) == ReplyParts(
        reply="Коробка помята.",
        quoted="пн, 6 окт. 2014 г. в 10:00, Магазин <shop@example.ru>:\n\n> Заказ отправлен.",
        signature="С уважением,\nИван",
    )


def test_windows_line_endings_are_understood():
    body = "Да.\r\n\r\nOn Tue, Sep 25, 2012 at 8:59 AM, Chris <c@example.com>\r\nwrote:\r\n> Нет?\r\n"

    assert extract_reply(body) == "Да."


def test_a_message_that_is_all_quote_is_returned_whole():
    body = "> только цитата\n> без ответа\n"

    assert split_reply(body).reply == ""
    assert extract_reply(body) == "> только цитата\n> без ответа"


def test_inline_answers_under_a_quote_are_kept_with_their_context():
    body = "On Dec 15, 2024, Jane <j@example.com> wrote:\n> A?\n\nДа.\n\n> B?\n\nНет.\n"

    assert extract_reply(body) == body.strip()


def test_bottom_posted_reply_is_the_text_below_the_quote():
    body = "On 04/02/2012 06:26 PM, Megan One wrote:\n> Hi\nHello\n"

    assert split_reply(body) == ReplyParts(
        reply="Hello", quoted="On 04/02/2012 06:26 PM, Megan One wrote:\n> Hi", signature=""
    )


@pytest.mark.parametrize(
    "body",
    [
        "On Monday I wrote:\nthe parcel is still missing.",
        "Я написал вам вчера:\nзаказ не пришёл.",
        "Тема: возврат\nНомер: 123",
        "----\nmarkdown rule, not a signature",
        "Sent from my desk, is much easier then my mobile phone.",
        "Привет, -- это не подпись, а тире.",
    ],
    ids=["en-on-wrote", "ru-wrote", "ru-fields", "dashes", "sent-from-prose", "inline-dashes"],
)
def test_false_positives_stay_in_the_reply(body):
    assert extract_reply("Начало.\n\n" + body) == "Начало.\n\n" + body


@pytest.mark.parametrize(
    "footer",
    [
        "Отправлено с iPhone",
        "Отправлено из мобильной Почты Mail.ru",
        "Отправлено из приложения Яндекс Почта",
        "Sent from my iPhone",
        "Gesendet von meinem iPhone",
        "Envoyé de mon iPad",
        "Get Outlook for Android",
        "iPhoneから送信",
    ],
)
def test_mobile_footers_are_signatures(footer):
    parts = split_reply(f"Готово.\n\n{footer}\n")

    assert (parts.reply, parts.signature) == ("Готово.", footer)


@pytest.mark.parametrize(
    "attribution",
    [
        "пн, 6 окт. 2014 г. в 10:00, Иван <ivan@example.ru>:",
        "6 октября 2014 г., 10:00 пользователь Иван написал:",
        "Am 13.12.2017 21:11 schrieb Max <max@example.de>:",
        "Le 15 janv. 2024 à 14:30, Pierre <pierre@example.fr> a écrit :",
        "El 15 ene 2024, a las 14:30, Juan <juan@example.es> escribió:",
        "Il giorno 15 gen 2024, alle ore 14:30, Mario <mario@example.it> ha scritto:",
        "Em 15 de jan. de 2024, às 14:30, Ana <ana@example.pt> escreveu:",
        "Op 15 jan. 2024 om 14:30 heeft Jan <jan@example.nl> geschreven:",
        "W dniu 15.01.2024 o 14:30, Jan <jan@example.pl> pisze:",
        "Den 15 jan. 2024 kl. 14:30 skrev Per <per@example.se>:",
        "ti 15. tammik. 2024 klo 14.30 Matti <matti@example.fi> kirjoitti:",
        "2024年1月15日(月) 14:30 田中 <tanaka@example.jp>:",
    ],
)
def test_attribution_lines_in_many_languages(attribution):
    assert extract_reply(f"Ответ.\n\n{attribution}\n> цитата\n") == "Ответ."


def test_html_reply_keeps_markup_and_drops_the_quote_container():
    markup = (
        '<div>Да, <b>верно</b>.</div><div class="gmail_quote">пишет:<blockquote>Цитата</blockquote></div>'
    )

    parts = split_reply_html(markup)

    assert parts.reply == "<div>Да, <b>верно</b>.</div>"
    assert "Цитата" in parts.quoted
    assert parts.signature == ""


def test_html_signature_container_goes_to_signature():
    markup = '<div>Ответ</div><div class="gmail_signature">Мария<br>ООО «Ромашка»</div>'

    parts = split_reply_html(markup)

    assert (html_to_text(parts.reply), html_to_text(parts.signature)) == ("Ответ", "Мария\nООО «Ромашка»")


def test_html_that_is_all_quote_is_returned_whole():
    markup = "<blockquote>только цитата</blockquote>"

    assert extract_reply_html(markup) == markup


def test_html_escapes_text_and_closes_open_elements():
    markup = "<div><p>1 &lt; 2 &amp; <jane@example.com>"

    assert extract_reply_html(markup) == "<div><p>1 &lt; 2 &amp; &lt;jane@example.com&gt;</p></div>"


def test_html_to_text_skips_style_and_joins_table_cells():
    markup = "<style>p{color:red}</style><table><tr><th>От:</th><td>Иван</td></tr></table><p>a<br>b</p>"

    assert html_to_text(markup) == "От: Иван\na\nb"


def test_normalisation_is_trailing_whitespace_and_blank_edges_only():
    assert normalize_for_comparison("\n\n  a  \r\n\r\n b \n\n") == "a\n\n b"
