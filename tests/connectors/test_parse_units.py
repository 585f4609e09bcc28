"""parse_email on messages built in the test, and its helpers (charsets, sanitising, sniffing)."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from zabota.connectors.email.charsets import decode_bytes, decode_header_value, normalize_charset
from zabota.connectors.email.parse import (
    EmailParseError,
    normalize_address,
    parse_email,
    sanitize_html,
    sniff_content_type,
)
from zabota.core.errors import InvalidInput


def build(**headers: str) -> EmailMessage:
    message = EmailMessage()
    for name, value in {"From": "Клиент <client@example.ru>", "To": "support@example.ru", **headers}.items():
        message[name.replace("_", "-")] = value
    return message


@pytest.mark.parametrize("raw", [b"", b"   \r\n\t ", b"\n\n"], ids=["empty", "spaces", "newlines"])
def test_empty_input_is_not_an_email(raw):
    with pytest.raises(EmailParseError) as error:
        parse_email(raw)

    assert isinstance(error.value, InvalidInput)
    assert error.value.message == "The email is empty."


def test_oversized_input_is_refused():
    with pytest.raises(EmailParseError) as error:
        parse_email(b"Subject: x\r\n\r\n" + b"a" * 2000, max_message_bytes=1000)

    assert error.value.code == "email_too_large"


def test_text_without_headers_is_kept_with_a_defect():
    parsed = parse_email(b"just some words, no headers at all")

    assert parsed.text == "just some words, no headers at all"
    assert parsed.from_ is None
    assert parsed.message_id_generated is True
    assert parsed.defects == (
        "no headers",
        "MissingHeaderBodySeparatorDefect",
        "no Message-ID: generated one",
    )


def test_generated_message_id_is_stable_across_relays():
    body = b"From: a@example.ru\r\nSubject: hi\r\n\r\nbody\r\n"
    relayed = b"Received: from relay by mx; Mon, 1 Jan 2024 10:00:00 +0000\r\n" + body

    assert parse_email(body).message_id == parse_email(relayed).message_id
    assert parse_email(body).message_id != parse_email(body.replace(b"body", b"other")).message_id


def test_oversized_attachment_is_listed_without_payload():
    message = build(Subject="big")
    message.set_content("see attached")
    message.add_attachment(b"%PDF-" + b"x" * 2000, maintype="application", subtype="pdf", filename="big.pdf")
    message.add_attachment(b"small", maintype="application", subtype="octet-stream", filename="small.bin")

    parsed = parse_email(message.as_bytes(), max_attachment_bytes=1000)

    big, small = parsed.attachments
    assert (big.filename, big.size, big.payload, big.skipped_reason) == (
        "big.pdf",
        2005,
        None,
        "larger than the 1000-byte limit",
    )
    assert big.sniffed_type == "application/pdf"
    assert (small.payload, small.skipped_reason) == (b"small", None)


def test_attachment_names_are_made_safe():
    message = build(Subject="x")
    message.set_content("x")
    message.add_attachment(b"data", maintype="text", subtype="plain", filename="../../etc/passwd")
    message.add_attachment(b"data", maintype="application", subtype="zip")

    first, second = parse_email(message.as_bytes()).attachments

    assert first.filename == "passwd"
    assert second.filename == "attachment-2.zip"


def test_html_only_message_built_programmatically():
    message = build(Subject="Вопрос")
    message.set_content(
        "<p>Здравствуйте!</p><p>Где заказ?</p><blockquote>старое</blockquote>", subtype="html"
    )

    parsed = parse_email(message.as_bytes())

    assert parsed.text_from_html is True
    assert parsed.text == "Здравствуйте!\nГде заказ?\nстарое"
    assert parsed.html_safe == "<p>Здравствуйте!</p><p>Где заказ?</p><blockquote>старое</blockquote>\n"


def test_alternative_inside_mixed_picks_the_last_rendering():
    message = build(Subject="alt")
    message.set_content("plain version")
    message.add_alternative("<b>html version</b>", subtype="html")
    message.add_attachment(b"\x89PNG\r\n\x1a\n....", maintype="image", subtype="png", filename="a.png")

    parsed = parse_email(message.as_bytes())

    assert (parsed.text, parsed.html) == ("plain version", "<b>html version</b>\n")
    assert [a.filename for a in parsed.attachments] == ["a.png"]


def test_deeply_nested_multiparts_stop_at_the_limit():
    inner = EmailMessage()
    inner.set_content("deep text")
    for _ in range(40):
        outer = EmailMessage()
        outer.make_mixed()
        outer.attach(inner)
        inner = outer
    inner["From"] = "a@example.ru"

    parsed = parse_email(inner.as_bytes())

    assert parsed.text == ""
    assert "MIME parts nested deeper than 32: ignored" in parsed.defects


def test_control_characters_are_dropped_from_text():
    parsed = parse_email(
        b"From: a@example.ru\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nok\x00\x07 fine\r\n"
    )

    assert parsed.text == "ok fine"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ivan@XN--80ASWG.XN--P1AI", "Ivan@сайт.рф"),
        ("<Ivan@Example.RU>", "Ivan@example.ru"),
        ("ivan@ПРИМЕР.РФ", "ivan@пример.рф"),
        ("ivan@xn--broken-.xn--", "ivan@xn--broken-.xn--"),
        ("no-at-sign", "no-at-sign"),
    ],
    ids=["idna", "brackets", "unicode-upper", "bad-idna", "no-at"],
)
def test_normalize_address(raw, expected):
    assert normalize_address(raw) == expected


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("win-1251", "cp1251"),
        ("CP-1251", "cp1251"),
        ('"windows-1251"', "cp1251"),
        ("x-mac-cyrillic", "mac-cyrillic"),
        ("koi8r", "koi8-r"),
        ("iso-8859-1", "cp1252"),
        ("utf-8*ru", "utf-8"),
        ("x-unknown", None),
        ("base64", None),
        ("rot13", None),
        ("", None),
    ],
)
def test_charset_aliases(label, codec):
    assert normalize_charset(label) == codec


def test_double_encoded_utf8_is_repaired():
    mojibake = "Привет, мир".encode().decode("cp1252").encode()

    decoded = decode_bytes(mojibake, "utf-8")

    assert (decoded.text, decoded.defect) == ("Привет, мир", "double-encoded utf-8 repaired")


def test_valid_utf8_is_trusted_as_is():
    decoded = decode_bytes("naïve café, 日本語".encode(), "utf-8")

    assert (decoded.text, decoded.charset, decoded.defect) == ("naïve café, 日本語", "utf-8", None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("=?UTF-8?B?0J/RgNC40LI=?= =?UTF-8?B?0LXRgg==?=", "Привет"),
        ("=?utf-8?Q?=D0=9F=D1?= =?utf-8?Q?=80=D0=B8?=", "При"),
        ("Re: =?koi8-r?B?8NLJ18XU?= world", "Re: Привет world"),
        ("=?windows-1251?Q?=CF=F0=E8=E2=E5=F2?=", "Привет"),
        ("=?iso-8859-1?Q?=F0=D2=C9=D7=C5=D4?=", "Привет"),
        ("=?utf-8?B?broken!!", "=?utf-8?B?broken!!"),
        ("=?x-bogus?Q?abc?=", "abc"),
        ("folded\r\n  line", "folded line"),
    ],
    ids=["utf8-b", "split-char-q", "koi8", "cp1251-q", "latin1-is-koi8", "broken", "bogus-charset", "fold"],
)
def test_decode_header_value(raw, expected):
    assert decode_header_value(raw) == expected


def test_sanitize_html_removes_scripts_and_handlers_and_blocks_images():
    markup = (
        '<p onclick="x()" style="color:red;background:url(http://t/x)">Hi</p><script>alert(1)</script>'
        '<img src="//cdn.example/p.gif"><img src="data:image/png;base64,AAAA"><img src="cid:a%40b">'
        '<a href="javascript:alert(1)">bad</a><a href="https://shop.example">ok</a>'
    )

    safe, remote = sanitize_html(markup)

    assert safe == (
        '<p style="color:red">Hi</p><img data-remote-src="//cdn.example/p.gif"><img><img data-cid="a@b">'
        '<a rel="noopener noreferrer nofollow">bad</a>'
        '<a href="https://shop.example" rel="noopener noreferrer nofollow">ok</a>'
    )
    assert remote == 1


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"%PDF-1.7", "x", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n", "", "image/png"),
        (b"\xff\xd8\xff\xe1", "", "image/jpeg"),
        (b"GIF89a", "", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "", "image/webp"),
        (b"PK\x03\x04rest", "a.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (b"PK\x03\x04rest", "a.zip", "application/zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a.doc", "application/msword"),
        (b"\x00\x00\x00\x18ftypheic", "", "image/heic"),
        (b"\x78\x9f\x3e\x22", "winmail.dat", "application/vnd.ms-tnef"),
        (b"hello", "a.txt", None),
    ],
    ids=["pdf", "png", "jpeg", "gif", "webp", "xlsx", "zip", "doc", "heic", "tnef", "unknown"],
)
def test_sniff_content_type(data, filename, expected):
    assert sniff_content_type(data, filename) == expected


@pytest.mark.parametrize(
    ("text", "charset"),
    [("№5 —", "mac-cyrillic"), ("я", "koi8-r"), ("Да, ок.", "cp866"), ("ВНИМАНИЕ: заказ", "koi8-r")],
    ids=["punctuation-mac", "one-letter-koi8", "short-cp866", "caps-koi8"],
)
def test_a_correct_cyrillic_label_is_kept_on_short_text(text, charset):
    decoded = decode_bytes(text.encode(charset), charset)

    assert (decoded.text, decoded.defect) == (text, None)
