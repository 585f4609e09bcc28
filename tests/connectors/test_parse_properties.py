"""Properties of parse_email (hypothesis).

Stated properties:
- for any bytes, parse_email returns a ParsedEmail or raises EmailParseError (never anything else);
- for any MIME tree built with EmailMessage (nested multiparts, charsets, transfer encodings,
  attachments, random headers), parse_email never raises and every text/plain body part that is
  not an attachment appears, in order, in ParsedEmail.text (well-formed text round-trips).
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zabota.connectors.email.autoreply import classify
from zabota.connectors.email.parse import EmailParseError, ParsedEmail, parse_email

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CHARSETS = ["utf-8", "koi8-r", "windows-1251", "cp866", "iso-8859-5", "iso-8859-1", "mac-cyrillic"]
ENCODINGS = ["base64", "quoted-printable", "8bit"]
WORDS = st.sampled_from(
    ["Привет", "заказ", "доставка", "hello", "order", "№5", "ёлка", "Щука", "123", "—", "«да»"]
)
TEXT = st.lists(WORDS, min_size=1, max_size=12).map(" ".join)
HEADER_NAMES = st.sampled_from(
    ["Subject", "X-Custom", "Auto-Submitted", "Precedence", "List-Id", "References"]
)


@SETTINGS
@given(st.binary(max_size=4000))
def test_arbitrary_bytes_never_raise_anything_but_parse_error(raw):
    try:
        parsed = parse_email(raw)
    except EmailParseError:
        assert not raw.strip()
        return
    assert isinstance(parsed, ParsedEmail)
    classify(parsed)


@SETTINGS
@given(
    st.lists(
        st.sampled_from(
            [
                b"From: ",
                b"Content-Type: multipart/mixed; boundary=b\r\n",
                b"--b\r\n",
                b"Content-Transfer-Encoding: base64\r\n",
                b"=?utf-8?B?0J8=?=",
                b"\r\n",
                b"\xd0\x9f\xff",
                b"charset=koi8-r",
                b"--b--",
                b"Subject: ",
                b"\r\n\r\n",
                b"Content-Type: message/rfc822\r\n",
                b"filename*=utf-8''%D0%9F",
            ]
        ),
        max_size=40,
    )
)
def test_email_shaped_garbage_never_raises(pieces):
    raw = b"".join(pieces)
    try:
        parsed = parse_email(raw)
    except EmailParseError:
        assert not raw.strip()
        return
    classify(parsed)


@st.composite
def leaf(draw) -> tuple[EmailMessage, list[str]]:
    part = EmailMessage()
    kind = draw(st.sampled_from(["text", "text", "html", "attachment"]))
    if kind == "attachment":
        part.set_content(
            draw(st.binary(max_size=200)),
            maintype="application",
            subtype="octet-stream",
            filename=draw(st.sampled_from(["счёт.pdf", "a.bin", "Фото брака.jpg", "x y.docx"])),
        )
        return part, []
    text = draw(TEXT)
    charset = draw(st.sampled_from(CHARSETS))
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"
    encoding = draw(st.sampled_from(ENCODINGS))
    if kind == "html":
        part.set_content(f"<p>{text}</p>", subtype="html", charset=charset, cte=encoding)
        return part, []
    part.set_content(text, charset=charset, cte=encoding)
    return part, [text]


def _tree(depth: int) -> st.SearchStrategy[tuple[EmailMessage, list[str]]]:
    if depth == 0:
        return leaf()

    @st.composite
    def node(draw) -> tuple[EmailMessage, list[str]]:
        if draw(st.booleans()):
            return draw(leaf())
        children = draw(st.lists(_tree(depth - 1), min_size=1, max_size=3))
        container = EmailMessage()
        container.make_mixed()
        texts: list[str] = []
        for child, child_texts in children:
            container.attach(child)
            texts += child_texts
        return container, texts

    return node()


@SETTINGS
@given(
    _tree(3),
    st.lists(
        st.tuples(HEADER_NAMES, st.text(max_size=60).filter(lambda v: "\r" not in v and "\n" not in v)),
        max_size=4,
    ),
)
def test_mime_trees_never_raise_and_plain_text_round_trips(tree, headers):
    message, texts = tree
    root = message if message.is_multipart() else message
    for name, value in headers:
        try:
            root[name] = value
        except (ValueError, TypeError):
            continue
    if "From" not in root:
        root["From"] = "Клиент <client@example.ru>"
    raw = root.as_bytes(policy=policy.SMTP)

    parsed = parse_email(raw)
    classify(parsed)

    position = 0
    for text in texts:
        found = parsed.text.find(text, position)
        assert found >= 0, (text, parsed.text)
        position = found + len(text)
