"""compose(): the MIME of an outbound reply, read back with our own parser and the standard library."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from zabota.connectors.email.autoreply import classify
from zabota.connectors.email.compose import (
    OutboundAttachment,
    OutboundEmail,
    compose,
    domain_of,
    make_message_id,
    reply_subject,
    text_to_html,
    thread_references,
    with_signature,
)
from zabota.connectors.email.parse import parse_email

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def outbound(**overrides: object) -> OutboundEmail:
    values: dict[str, object] = {
        "from_address": "support@shop.ru",
        "from_name": "Ольга из «Магазина»",
        "to_address": "ivan@example.ru",
        "to_name": "Иван Петров",
        "subject": "Re: Где мой заказ? [#12]",
        "text": "Здравствуйте, Иван!\n\nЗаказ передан в доставку.\nТрек: 123.",
        "message_id": "zb.1.5.abc@shop.ru",
        "signature": "Ольга\nСлужба заботы",
        "reply_to": "support+c7-abcdefghijkl@shop.ru",
        "in_reply_to": "<cust-2@mail.ru>",
        "references": ["<cust-1@mail.ru>", "zb.1.3.x@shop.ru", "cust-2@mail.ru"],
        "date": datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
    }
    values.update(overrides)
    return OutboundEmail(**values)  # type: ignore[arg-type]


def test_reply_reads_back_with_threading_headers_and_both_bodies():
    raw = compose(outbound()).as_bytes()

    parsed = parse_email(raw)
    assert parsed.message_id == "zb.1.5.abc@shop.ru"
    assert parsed.in_reply_to == "cust-2@mail.ru"
    assert parsed.references == ("cust-1@mail.ru", "zb.1.3.x@shop.ru", "cust-2@mail.ru")
    assert parsed.subject == "Re: Где мой заказ? [#12]"
    assert parsed.from_ is not None
    assert (parsed.from_.name, parsed.from_.address) == ("Ольга из «Магазина»", "support@shop.ru")
    assert [(a.name, a.address) for a in parsed.to] == [("Иван Петров", "ivan@example.ru")]
    assert [a.address for a in parsed.reply_to] == ["support+c7-abcdefghijkl@shop.ru"]
    assert parsed.date == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert parsed.text.strip() == (
        "Здравствуйте, Иван!\n\nЗаказ передан в доставку.\nТрек: 123.\n\n-- \nОльга\nСлужба заботы"
    )
    assert parsed.reply.reply == "Здравствуйте, Иван!\n\nЗаказ передан в доставку.\nТрек: 123."
    assert parsed.reply.signature.strip() == "--\nОльга\nСлужба заботы"
    assert "<p>Здравствуйте, Иван!</p>" in parsed.html
    assert "Заказ передан в доставку.<br>" in parsed.html
    assert '<div class="signature">-- <br>' in parsed.html
    assert parsed.defects == ()


def test_structure_is_alternative_inside_related_inside_mixed():
    email = outbound(
        html='<p>Вот схема: <img src="cid:map1"></p>',
        attachments=[
            OutboundAttachment("map.png", "image/png", PNG, inline_cid="map1"),
            OutboundAttachment("счёт №5.pdf", "application/pdf", b"%PDF-1.4 test"),
        ],
    )
    message = message_from_bytes(compose(email).as_bytes(), policy=policy.default)

    def shape(part):  # type: ignore[no-untyped-def]
        if part.is_multipart():
            return (part.get_content_type(), [shape(p) for p in part.iter_parts()])
        return part.get_content_type()

    assert shape(message) == (
        "multipart/mixed",
        [
            ("multipart/alternative", ["text/plain", ("multipart/related", ["text/html", "image/png"])]),
            "application/pdf",
        ],
    )
    parsed = parse_email(compose(email).as_bytes())
    by_name = {a.filename: a for a in parsed.attachments}
    assert set(by_name) == {"map.png", "счёт №5.pdf"}
    assert by_name["map.png"].content_id == "map1"
    assert by_name["map.png"].inline is True
    assert by_name["map.png"].payload == PNG
    assert by_name["счёт №5.pdf"].inline is False
    assert by_name["счёт №5.pdf"].payload == b"%PDF-1.4 test"


def test_without_attachments_the_message_is_just_alternative():
    message = message_from_bytes(compose(outbound()).as_bytes(), policy=policy.default)

    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]


def test_html_is_made_from_text_when_absent_and_escaped():
    raw = compose(outbound(text="a < b & c\nnext", signature="")).as_bytes()

    parsed = parse_email(raw)
    assert "<p>a &lt; b &amp; c<br>\nnext</p>" in parsed.html
    assert "signature" not in parsed.html


def test_agent_reply_is_auto_submitted_no_and_not_classified_as_automatic():
    raw = compose(outbound()).as_bytes()

    message = message_from_bytes(raw, policy=policy.default)
    assert message["Auto-Submitted"] == "no"
    assert message["X-Auto-Response-Suppress"] is None
    assert classify(parse_email(raw)).kind == "normal"


def test_automatic_reply_says_so():
    raw = compose(outbound(automatic=True)).as_bytes()

    message = message_from_bytes(raw, policy=policy.default)
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert classify(parse_email(raw)).kind == "auto_reply"


def test_cyrillic_bodies_are_base64_and_ascii_bodies_quoted_printable():
    cyrillic = message_from_bytes(compose(outbound()).as_bytes(), policy=policy.default)
    ascii_only = message_from_bytes(
        compose(outbound(text="Hello, your order is on its way.", signature="Olga")).as_bytes(),
        policy=policy.default,
    )

    assert [p["Content-Transfer-Encoding"] for p in cyrillic.iter_parts()] == ["base64", "base64"]
    assert [p["Content-Transfer-Encoding"] for p in ascii_only.iter_parts()] == [
        "quoted-printable",
        "quoted-printable",
    ]


def test_raw_message_is_seven_bit_with_crlf_and_short_lines():
    raw = compose(outbound(text="Очень длинная строка " * 200)).as_bytes()

    assert raw.isascii()
    assert b"\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998


def test_in_reply_to_joins_references_when_missing_from_them():
    raw = compose(outbound(references=[], in_reply_to="only@mail.ru")).as_bytes()

    parsed = parse_email(raw)
    assert parsed.in_reply_to == "only@mail.ru"
    assert parsed.references == ("only@mail.ru",)


def test_first_message_of_a_thread_has_no_threading_headers():
    raw = compose(outbound(references=[], in_reply_to="", reply_to="")).as_bytes()

    message = message_from_bytes(raw, policy=policy.default)
    assert message["In-Reply-To"] is None
    assert message["References"] is None
    assert message["Reply-To"] is None


def test_internationalised_domain_is_written_in_punycode():
    raw = compose(outbound(from_address="support@магазин.рф", to_address="buyer@пример.рф")).as_bytes()

    message = message_from_bytes(raw, policy=policy.default)
    assert message["From"].addresses[0].addr_spec == "support@xn--80aairftm.xn--p1ai"
    assert message["To"].addresses[0].addr_spec == "buyer@xn--e1afmkfd.xn--p1ai"
    assert raw.isascii()


def test_header_injection_in_names_and_subject_is_neutralised():
    raw = compose(
        outbound(to_name="Eve\r\nBcc: victim@example.com", subject="Hi\r\nBcc: victim@example.com")
    ).as_bytes()

    message = message_from_bytes(raw, policy=policy.default)
    assert message["Bcc"] is None
    assert message["Subject"] == "Hi Bcc: victim@example.com"


@pytest.mark.parametrize(
    ("subject", "number", "expected"),
    [
        ("Где мой заказ?", 12, "Re: Где мой заказ? [#12]"),
        ("Re: Где мой заказ?", 12, "Re: Где мой заказ? [#12]"),
        ("RE: re:  Где мой  заказ?", 12, "Re: Где мой заказ? [#12]"),
        ("Re[2]: Возврат", 3, "Re: Возврат [#3]"),
        ("Ответ: Возврат", 3, "Re: Возврат [#3]"),
        ("Отв: Возврат", 3, "Re: Возврат [#3]"),
        ("AW: Rückgabe", 3, "Re: Rückgabe [#3]"),
        ("Re: Возврат [#3]", 3, "Re: Возврат [#3]"),
        ("Возврат [#3] [#3]", 3, "Re: Возврат [#3]"),
        ("Возврат [#9]", 3, "Re: Возврат [#9] [#3]"),
        ("Return policy", None, "Re: Return policy"),
        ("", 7, "Re: [#7]"),
        ("", None, "Re:"),
        ("Отзыв о заказе", 5, "Re: Отзыв о заказе [#5]"),
    ],
    ids=[
        "plain",
        "re",
        "re-stack",
        "re-count",
        "otvet",
        "otv",
        "aw",
        "tag-kept",
        "tag-doubled",
        "other-tag",
        "no-number",
        "empty",
        "empty-no-number",
        "word-starting-like-prefix",
    ],
)
def test_reply_subject(subject, number, expected):
    assert reply_subject(subject, number) == expected


def test_thread_references_keep_the_root_and_the_newest():
    ids = [f"<m{i}@x.ru>" for i in range(1, 16)]

    refs = thread_references(ids)

    assert refs == ("m1@x.ru", *(f"m{i}@x.ru" for i in range(7, 16)))
    assert len(refs) == 10


def test_thread_references_drop_duplicates_and_junk():
    assert thread_references(["<a@x>", "a@x", "", "no-at-sign", "<b@x>", " <c@x> "]) == ("a@x", "b@x", "c@x")
    assert thread_references(["<a b@x>"]) == ("ab@x",)


def test_message_id_shape_and_uniqueness():
    first = make_message_id(store_id=4, message_pk=77, domain="shop.ru")
    second = make_message_id(store_id=4, message_pk=77, domain="shop.ru")

    assert first.startswith("zb.4.77.")
    assert first.endswith("@shop.ru")
    assert first != second
    assert make_message_id(store_id=1, message_pk=2, domain="d.ru", nonce="n") == "zb.1.2.n@d.ru"


@pytest.mark.parametrize(
    ("address", "domain"),
    [("support@Shop.RU", "shop.ru"), ("a@b@c.ru", "c.ru"), ("nobody", "localhost"), ("x@", "localhost")],
)
def test_domain_of(address, domain):
    assert domain_of(address) == domain


def test_signature_helpers():
    assert with_signature("Текст\n\n", "  Ольга  ") == "Текст\n\n-- \nОльга"
    assert with_signature("Текст", " ") == "Текст"
    assert text_to_html("a\r\n\r\n\r\nb") == "<p>a</p>\n<p>b</p>\n"


@pytest.mark.parametrize("address", ["ivan@exa mple.ru", "ivan", "@shop.ru", "a<b@shop.ru"])
def test_unwritable_address_raises_value_error(address):
    with pytest.raises(ValueError, match="invalid email address"):
        compose(outbound(to_address=address))
