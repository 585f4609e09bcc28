"""Reply extraction: exact-match rate per corpus against two PyPI libraries, and throughput
of reply extraction and of whole-email parsing (MIME: `parse_email` + `classify`).

    .venv/bin/python bench/email_reply.py [--messages 10000] [--seed 7]

Corpora: ../shared/data/email (six of them; cases and expectations come from
tests/connectors/_reply_corpora.py, so the tests and this script count the same thing).
A case passes when the result equals the expectation after `normalize_for_comparison`
(trailing whitespace per line and blank edges removed); talon's HTML cases compare with all
whitespace removed, as upstream does. HTML cases are given to the plain-text libraries as
`html_to_text(body)`, the same text our HTML path sees.

Libraries (the `bench` extra): email-reply-parser (`EmailReplyParser.parse_reply`) and
mail-parser-reply (`EmailReplyParser(languages=[every language it ships]).parse_reply`).
If one is not installed its figures are null, never made up.

Last line printed: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.connectors import _reply_corpora as corpora  # noqa: E402
from zabota.connectors.email.reply import extract_reply, html_to_text  # noqa: E402

Extractor = Callable[[str], str]


def _libraries() -> dict[str, Extractor | None]:
    found: dict[str, Extractor | None] = {"email_reply_parser": None, "mail_parser_reply": None}
    try:
        from email_reply_parser import EmailReplyParser

        found["email_reply_parser"] = EmailReplyParser.parse_reply
    except ImportError:
        pass
    try:
        from mailparser_reply import EmailReplyParser as MailParserReply
        from mailparser_reply.constants import MAIL_LANGUAGES

        parser = MailParserReply(languages=list(MAIL_LANGUAGES))
        found["mail_parser_reply"] = lambda text: parser.parse_reply(text=text)
    except ImportError:
        pass
    return found


def _safe(extractor: Extractor, text: str) -> str:
    try:
        return extractor(text) or ""
    except Exception as error:  # a library crash is a failed case, not a failed benchmark
        return f"<error {type(error).__name__}>"


def accuracy() -> dict[str, dict[str, object]]:
    libraries = _libraries()
    results: dict[str, dict[str, object]] = {}
    for corpus in corpora.CORPORA:
        cases = corpora.load(corpus)
        row: dict[str, object] = {"cases": len(cases)}
        passed = sum(corpora.compare(case, corpora.ours(case)) for case in cases)
        row["zabota"] = round(passed / len(cases), 4)
        row["zabota_passed"] = passed
        for name, extractor in libraries.items():
            if extractor is None:
                row[name] = None
                continue
            lib_passed = 0
            for case in cases:
                text = html_to_text(case.body) if case.kind == "html" else case.body
                lib_passed += corpora.compare(case, _safe(extractor, text))
            row[name] = round(lib_passed / len(cases), 4)
            row[f"{name}_passed"] = lib_passed
        results[corpus] = row
    return results


_REPLIES = [
    "Добрый день! Заказ №{n} пришёл, но коробка помята. Что делать?",
    "Здравствуйте, когда будет возврат по заказу {n}?",
    "Hi, my order {n} has not arrived yet.\nCould you check the tracking number?",
    "Hallo, die Bestellung {n} ist beschädigt angekommen.",
    "Спасибо, всё получил.\n\nХорошего дня!",
]
_QUOTES = [
    "пн, 6 окт. 2014 г. в 10:{m:02d}, Магазин <shop@example.ru>:\n\n> Ваш заказ №{n} отправлен.\n> Трек: RU{n}\n",
    "6 октября 2014 г., 10:{m:02d} пользователь Поддержка написал:\n> Заказ {n} передан в доставку.\n",
    "От: Поддержка [mailto:help@example.ru]\nОтправлено: 3 марта 2025 г. 9:{m:02d}\nКому: Клиент\nТема: RE: заказ {n}\n\n"
    "Добрый день! Уточните адрес.\n",
    "----- Исходное сообщение -----\nОт: help@example.ru\nТема: Заказ {n}\n\nВаш заказ готов.\n",
    "On Tue, Sep 25, 2012 at 8:{m:02d} AM, Shop <shop@example.com> wrote:\n\n> Your order {n} has shipped.\n>\n> "
    "Thanks,\n> Shop\n",
    "Am 13.12.2017 21:{m:02d} schrieb Shop <shop@example.de>:\n> Ihre Bestellung {n} wurde versandt.\n",
]
_SIGNATURES = [
    "",
    "\n\nС уважением,\nИван Петров\n+7 900 000-00-00",
    "\n\nОтправлено с iPhone",
    "\n\n-- \nАнна",
    "",
]


def mailbox(messages: int, seed: int) -> list[tuple[str, str]]:
    """Synthetic replies: a new text, an optional signature, and quoted history in one of six styles
    (one to three levels deep)."""
    rng = random.Random(seed)
    mails = []
    for index in range(messages):
        n = 10000 + index
        reply = rng.choice(_REPLIES).format(n=n)
        body = reply + rng.choice(_SIGNATURES) + "\n\n"
        for depth in range(rng.randint(1, 3)):
            quote = rng.choice(_QUOTES).format(n=n - depth, m=rng.randint(0, 59))
            body += quote if depth == 0 else "\n".join("> " + line for line in quote.split("\n"))
        mails.append((body, reply))
    return mails


def throughput(messages: int, seed: int) -> dict[str, float | int]:
    mails = mailbox(messages, seed)
    bodies = [body for body, _ in mails]
    total_bytes = sum(len(body.encode()) for body in bodies)
    started = time.perf_counter()
    replies = [extract_reply(body) for body in bodies]
    elapsed = time.perf_counter() - started
    exact = sum(got == expected for got, (_, expected) in zip(replies, mails, strict=True))
    return {
        "exact": round(exact / messages, 4),
        "messages": messages,
        "seconds": round(elapsed, 3),
        "messages_per_s": round(messages / elapsed, 1),
        "mb_per_s": round(total_bytes / elapsed / 1e6, 2),
    }


def mime_mailbox(messages: int, seed: int) -> list[bytes]:
    """The same synthetic replies as whole emails: utf-8 / koi8-r / windows-1251 bodies in base64, quoted-printable
    or 8bit, a third of them multipart/alternative with an HTML part, encoded subjects and names."""
    from email.message import EmailMessage

    rng = random.Random(seed)
    charsets = [("utf-8", "base64"), ("koi8-r", "quoted-printable"), ("windows-1251", "8bit")]
    raws = []
    for index, (body, _reply) in enumerate(mailbox(messages, seed)):
        charset, cte = charsets[index % len(charsets)]
        try:
            body.encode(charset)
        except UnicodeEncodeError:  # a quote style with letters the Cyrillic code page lacks
            charset, cte = "utf-8", "base64"
        msg = EmailMessage()
        msg["From"] = f"Покупатель {index} <buyer{index}@example.ru>"
        msg["To"] = "support@shop.example.ru"
        msg["Subject"] = f"Re: Заказ {10000 + index} [#{index}]"
        msg["Message-ID"] = f"<m{index}.{rng.randint(0, 10**9)}@example.ru>"
        msg["In-Reply-To"] = f"<zb.1.{index}.x@shop.example.ru>"
        msg["Date"] = "Mon, 23 Nov 2026 10:00:00 +0300"
        msg.set_content(body, charset=charset, cte=cte)
        if index % 3 == 0:
            html = "<html><body>" + "".join(f"<p>{line}</p>" for line in body.split("\n")) + "</body></html>"
            msg.add_alternative(html, subtype="html", charset="utf-8")
        raws.append(msg.as_bytes())
    return raws


def mime_throughput(messages: int, seed: int) -> dict[str, float | int]:
    from zabota.connectors.email.autoreply import classify
    from zabota.connectors.email.parse import parse_email

    raws = mime_mailbox(messages, seed)
    started = time.perf_counter()
    for raw in raws:
        classify(parse_email(raw))
    elapsed = time.perf_counter() - started
    return {
        "messages": messages,
        "seconds": round(elapsed, 3),
        "messages_per_s": round(messages / elapsed, 1),
        "mb_per_s": round(sum(map(len, raws)) / elapsed / 1e6, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not corpora.available():
        sys.exit(f"corpora not found at {corpora.CORPORA_DIR}")

    results = accuracy()
    names = ("zabota", "email_reply_parser", "mail_parser_reply")
    print(f"{'corpus':<12} {'cases':>5}  " + "  ".join(f"{name:>20}" for name in names))
    for corpus, row in results.items():
        cells = []
        for name in names:
            rate = row[name]
            cells.append(f"{'n/a':>20}" if rate is None else f"{rate:>13.1%} ({row[name + '_passed']:>3})")
        print(f"{corpus:<12} {row['cases']:>5}  " + "  ".join(cells))
    speed = throughput(args.messages, args.seed)
    print(
        f"throughput: {speed['messages']} generated messages in {speed['seconds']} s = "
        f"{speed['messages_per_s']} messages/s ({speed['mb_per_s']} MB/s), one process; "
        f"{speed['exact']:.1%} of them extracted exactly"
    )
    parsing = mime_throughput(args.messages, args.seed)
    print(
        f"MIME parse (parse_email + classify): {parsing['messages']} generated emails in {parsing['seconds']} s = "
        f"{parsing['messages_per_s']} messages/s ({parsing['mb_per_s']} MB/s), one process"
    )
    print(
        json.dumps(
            {"corpora": results, "throughput": speed, "mime_parse": parsing, "seed": args.seed},
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
