"""parse_email on our own .eml fixtures (tests/connectors/data/mime): real client layouts, every
charset case, attachments, bounces and auto-replies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from zabota.connectors.email.parse import Address, ParsedEmail, parse_email

MIME_DIR = Path(__file__).parent / "data" / "mime"
FIXTURES = sorted(MIME_DIR.glob("*.eml"))
RU = "Добрый день! Подскажите, когда будет доставка заказа номер 1234? Спасибо. ЮЛЯ пишет: щука, эхо, фильм."
SHOP = Address(name="", address="support@uyut-shop.ru")
MSK = timezone(timedelta(hours=3))


def parse(name: str) -> ParsedEmail:
    return parse_email((MIME_DIR / name).read_bytes())


def test_there_are_40_fixtures():
    assert len(FIXTURES) == 40


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_every_fixture_parses_with_sender_subject_and_text(path):
    parsed = parse_email(path.read_bytes())

    assert parsed.from_ is not None
    assert parsed.subject
    assert parsed.text.strip()
    assert parsed.message_id
    assert "\ufffd" not in parsed.subject


def test_gmail_alternative_keeps_both_bodies_and_splits_the_quote():
    parsed = parse("01_gmail_alternative_utf8.eml")

    assert parsed.message_id == "CAF7nXk2mZ0+Qd1=Vf9wq2YzY3s_UeN1D8@mail.gmail.com"
    assert parsed.in_reply_to == "20141006100000.4521@uyut-shop.ru"
    assert parsed.references == ("20141006100000.4521@uyut-shop.ru",)
    assert parsed.subject == "Re: Заказ №4521 передан в службу доставки"
    assert parsed.from_ == Address(name="Иван Петров", address="ivan.petrov@gmail.com")
    assert parsed.to == (Address(name="Магазин Уют", address="support@uyut-shop.ru"),)
    assert parsed.date == datetime(2014, 10, 6, 8, 31, 7, tzinfo=UTC)
    assert parsed.reply.reply == (
        "Здравствуйте!\n\nЗаказ №4521 до сих пор не пришёл, трек-номер не отслеживается.\n"
        "Подскажите, пожалуйста, что делать?"
    )
    assert parsed.reply.quoted.startswith("пн, 6 окт. 2014 г. в 10:00, Магазин Уют")
    assert "Подскажите, пожалуйста, что делать?</div>" in parsed.html_safe
    assert parsed.text_from_html is False
    assert parsed.content_type == "multipart/alternative"
    assert parsed.defects == ()


def test_koi8r_quoted_printable_with_signature():
    parsed = parse("02_thebat_koi8r_qp.eml")

    assert parsed.subject == "Возврат товара"
    assert parsed.from_ == Address(name="Ольга Сидорова", address="olga.sidorova@yandex.ru")
    assert parsed.reply_to == (Address(name="Olga", address="olga.s@ya.ru"),)
    assert (
        parsed.reply.reply
        == "Добрый день!\n\nПрошу оформить возврат товара по заказу 7788: размер не подошёл."
    )
    assert parsed.reply.signature == "--\nС уважением, Ольга"


def test_html_only_cp1251_gets_text_derived_from_html():
    parsed = parse("03_mailru_html_only_cp1251.eml")

    assert parsed.text_from_html is True
    assert parsed.text.startswith("Здравствуйте, подскажите, есть ли в наличии диван «Честер» серого цвета?")
    assert parsed.reply.reply == (
        "Здравствуйте, подскажите, есть ли в наличии диван «Честер» серого цвета?\n"
        "Хочу заказать с доставкой в Казань."
    )
    assert parsed.hop_count == 1


def test_outlook_cp1251_with_russian_header_block():
    parsed = parse("04_outlook_alternative_cp1251_qp.eml")

    assert parsed.subject == "RE: Счёт на оплату"
    assert parsed.from_ == Address(name="Сергей Волков", address="s.volkov@company.ru")
    assert parsed.reply.reply == "Добрый день.\n\nПодтверждаю получение, спасибо."
    assert parsed.reply.quoted.startswith("От: Магазин Уют <support@uyut-shop.ru>")
    assert "<style" not in parsed.html_safe
    assert "MsoNormal" not in parsed.html_safe


@pytest.mark.parametrize(
    ("name", "reply", "signature"),
    [
        ("05_thunderbird_utf8_8bit.eml", "Спасибо, получил.", ""),
        (
            "06_apple_iphone_utf8_qp.eml",
            "Можно поменять адрес доставки на ул. Ленина, 5?",
            "Отправлено с iPhone",
        ),
    ],
    ids=["thunderbird", "iphone"],
)
def test_client_styles(name, reply, signature):
    parsed = parse(name)

    assert parsed.reply.reply == reply
    assert parsed.reply.signature == signature


@pytest.mark.parametrize(
    ("name", "defects"),
    [
        ("07_cp866_declared.eml", ()),
        ("08_mac_cyrillic_declared.eml", ()),
        ("09_iso8859_5_declared.eml", ()),
        ("13_misdeclared_latin1_is_cp1251.eml", ("declared charset 'iso-8859-1', text decoded as cp1251",)),
        ("14_misdeclared_latin1_is_koi8r.eml", ("declared charset 'iso-8859-1', text decoded as koi8-r",)),
        ("15_misdeclared_utf8_is_cp1251.eml", ("declared charset 'utf-8', text decoded as cp1251",)),
        ("16_no_charset_8bit_cp1251.eml", ("no charset declared, text decoded as cp1251",)),
        ("17_no_charset_8bit_utf8.eml", ()),
        ("18_unknown_charset_x_unknown.eml", ("unknown charset 'x-unknown', text decoded as utf-8",)),
        ("19_alias_cp_1251.eml", ()),
        ("20_misdeclared_latin1_is_utf8.eml", ("declared charset 'iso-8859-1', text decoded as utf-8",)),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_russian_text_in_any_charset_declared_right_or_wrong(name, defects):
    parsed = parse(name)

    assert parsed.text == RU
    assert parsed.defects == defects


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        ("07_cp866_declared.eml", "Доставка"),
        ("18_unknown_charset_x_unknown.eml", "Доставка"),
        ("19_alias_cp_1251.eml", "Доставка"),
        ("20_misdeclared_latin1_is_utf8.eml", "Привет"),
    ],
    ids=["cp866", "x-unknown", "win-1251", "latin1-is-utf8"],
)
def test_encoded_word_subjects_in_odd_charsets(name, subject):
    assert parse(name).subject == subject


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "10_iso8859_1_french.eml",
            "Bonjour, je n'ai pas reçu ma commande. Où en est la livraison ? Merci d'avance, Hélène.",
        ),
        ("11_iso8859_2_czech.eml", "Dobrý den, děkuji za objednávku. Zboží přijde zítra, ale chybí účtenka."),
        ("12_iso8859_15_euro.eml", "Der Preis beträgt 15 € inkl. Versand. Grüße"),
    ],
    ids=["latin1-french", "latin2-czech", "latin9-euro"],
)
def test_western_text_is_not_mistaken_for_russian(name, text):
    parsed = parse(name)

    assert parsed.text == text
    assert parsed.defects == ()


def test_french_sender_and_subject():
    parsed = parse("10_iso8859_1_french.eml")

    assert parsed.subject == "Problème de livraison"
    assert parsed.from_ == Address(name="Hélène Dupré", address="helene@example.fr")


def test_attachments_with_rfc2231_names():
    parsed = parse("21_attachments_rfc2231.eml")

    assert [(a.filename, a.content_type, a.sniffed_type, a.inline) for a in parsed.attachments] == [
        ("Чек от 01.03.pdf", "application/pdf", "application/pdf", False),
        (
            "Заявление на возврат.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            False,
        ),
    ]
    assert parsed.attachments[0].payload is not None
    assert parsed.attachments[0].payload.startswith(b"%PDF-1.4")
    assert parsed.attachments[0].size == len(parsed.attachments[0].payload)
    assert parsed.text == "Высылаю чек и заявление на возврат."


def test_attachments_with_rfc2047_names_and_sniffed_type():
    parsed = parse("22_attachments_rfc2047.eml")

    assert [(a.filename, a.content_type, a.sniffed_type) for a in parsed.attachments] == [
        ("Фото брака.jpg", "image/jpeg", "image/jpeg"),
        ("Скан.png", "application/octet-stream", "image/png"),
    ]
    assert parsed.from_ == Address(name="Геннадий Попов", address="g.popov@bk.ru")


def test_inline_cid_image_and_blocked_remote_image():
    parsed = parse("23_inline_cid_image.eml")

    (image,) = parsed.attachments
    assert (image.filename, image.content_id, image.inline, image.size) == (
        "image.png",
        "ii_lt9x0abc0",
        True,
        70,
    )
    assert '<img alt="фото" width="300" data-cid="ii_lt9x0abc0">' in parsed.html_safe
    assert '<img data-remote-src="https://tracker.example.com/open.gif?u=42">' in parsed.html_safe
    assert "src=" not in parsed.html_safe.replace("data-remote-src=", "")
    assert parsed.remote_images == 1
    assert parsed.text == "Вот так выглядит упаковка:\n[image: фото]"


def test_forwarded_message_becomes_an_attachment_with_its_subject():
    parsed = parse("24_forwarded_rfc822.eml")

    (forwarded,) = parsed.attachments
    assert forwarded.content_type == "message/rfc822"
    assert forwarded.subject == "Подтверждение заказа №99"
    assert forwarded.filename == "Подтверждение заказа №99.eml"
    assert forwarded.payload is not None
    assert parse_email(forwarded.payload).message_id == "order-99@uyut-shop.ru"
    assert parsed.text == "Пересылаю письмо, которое пришло после оплаты."


def test_tnef_is_kept_as_an_attachment():
    (winmail,) = parse("25_outlook_tnef_winmail.eml").attachments

    assert (winmail.filename, winmail.content_type, winmail.sniffed_type) == (
        "winmail.dat",
        "application/ms-tnef",
        "application/vnd.ms-tnef",
    )


def test_mixed_text_parts_are_concatenated_in_order():
    parsed = parse("26_apple_mixed_texts.eml")

    assert parsed.text == "Вот скол на столешнице:\n\nА это угол коробки."
    assert [(a.filename, a.inline) for a in parsed.attachments] == [("IMG_0042.png", True)]


def test_bounce_exposes_report_and_returned_headers():
    parsed = parse("27_bounce_postfix.eml")

    assert parsed.content_type == "multipart/report"
    assert parsed.report_type == "delivery-status"
    assert "Final-Recipient: rfc822; nobody@example.org" in parsed.delivery_status
    assert parsed.returned_headers.startswith("Message-ID: <reply-27@uyut-shop.ru>")
    assert parsed.headers["auto-submitted"] == "auto-replied"
    assert parsed.headers["return-path"] == "<>"


def test_kept_headers_of_a_newsletter():
    parsed = parse("35_list_newsletter.eml")

    assert dict(parsed.headers) == {
        "precedence": "bulk",
        "list-id": "Marketplace news <news.marketplace.example>",
        "list-unsubscribe": "<https://marketplace.example/unsub?u=1>, <mailto:unsub@marketplace.example>",
    }
    assert parsed.remote_images == 1


def test_broken_headers_are_read_as_far_as_possible():
    parsed = parse("37_broken_headers.eml")

    assert parsed.message_id_generated is True
    assert parsed.message_id.endswith("@generated.zabota.invalid")
    assert parsed.subject == "Сырой заголовок в utf-8"
    assert parsed.from_ == Address(name="Покупатель", address="Buyer@сайт.рф")
    assert parsed.to == (Address(name="Support", address="support@uyut-shop.ru"),)
    assert parsed.date is None
    assert parsed.defects == (
        "no Message-ID: generated one",
        "unreadable Date header",
        "invalid address in To header",
    )


def test_broken_base64_and_unclosed_multipart_keep_what_is_readable():
    parsed = parse("38_broken_mime.eml")

    assert parsed.text.startswith("Привет")
    assert [(a.filename, a.payload) for a in parsed.attachments] == [("a.pdf", b"%PDF-1.4\n")]
    assert parsed.defects == ("CloseBoundaryNotFoundDefect", "invalid utf-8 text")


def test_split_encoded_words_idna_and_message_id_oddities():
    parsed = parse("40_encoded_word_split.eml")

    assert parsed.subject == "Приветовая строка с ями"
    assert parsed.from_ == Address(name="Иван", address="ivan@example.ru")
    assert parsed.to == (Address(name="Служба поддержки", address="support@пример.рф"),)
    assert parsed.message_id == "split-40@example.ru"
    assert parsed.in_reply_to == "c@x"
    assert parsed.references == ("a@x", "b@x", "c@x")
    assert parsed.date == datetime(2024, 3, 8, 12, 0, tzinfo=UTC)


def test_dates_keep_their_offset():
    assert parse("06_apple_iphone_utf8_qp.eml").date == datetime(2024, 1, 12, 20, 15, 2, tzinfo=MSK)
