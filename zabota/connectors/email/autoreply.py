"""Recognise mail that must never get an automatic answer: bounces, auto-replies, bulk mail, loops.

`classify` looks at a `ParsedEmail` in this order, first match wins:

1. **loop_suspect** — sent from one of our own addresses, an ``X-Loop`` naming one of them, or
   more ``Received`` hops than a message plausibly needs;
2. **bounce** — a ``multipart/report; report-type=delivery-status`` whose ``message/delivery-status``
   says a recipient failed (a report of delays only is an **auto_reply**); without a report part,
   a MAILER-DAEMON / postmaster sender (or ``Return-Path: <>``) with a bounce subject. The bounced
   Message-ID comes from the returned message or headers, the report, ``In-Reply-To`` or the body;
3. **auto_reply** — read receipts, RFC 3834 ``Auto-Submitted`` other than ``no``, ``X-Autoreply``,
   ``X-Autorespond``, ``X-Auto-Response-Suppress`` (All / OOF / AutoReply), ``Precedence: auto_reply``,
   and out-of-office subjects in Russian, English, German, French, Italian and Spanish;
4. **list** — ``List-Id``, ``List-Unsubscribe``, ``Precedence: bulk | junk | list``;
5. **normal** — anything else.

`SenderRateLimit` is the pure part of the per-sender limit the poller applies against reply storms.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from zabota.connectors.email.parse import ParsedEmail, normalize_address

__all__ = ["Classification", "DeliveryReport", "SenderRateLimit", "classify", "parse_delivery_status"]

Kind = Literal["normal", "auto_reply", "bounce", "list", "loop_suspect"]
MAX_HOPS = 30  # sendmail gives up at 25 by default, Postfix at 50

_BOUNCE_SENDERS = {"mailer-daemon", "mailerdaemon", "mail-daemon", "postmaster"}
_BOUNCE_NAMES = re.compile(r"mail delivery (?:system|subsystem)|почтовая система", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"недоставленное сообщение|не доставлено|ошибка доставки|недоставлен|"
    r"undeliver|undelivered mail|returned mail|returned to sender|delivery status notification|"
    r"delivery failure|failure notice|mail delivery failed|delivery has failed|non-?delivery|nondeliverable|"
    r"unzustellbar|non remis|mail system error",
    re.IGNORECASE,
)
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)?(?:"
    r"автоответ|автоматический ответ|нет на месте|я в отпуске|отсутствую|вне офиса|"
    r"auto:|auto[- ]?reply|autoreply|automatic reply|auto[- ]?response|out of (?:the )?office|"
    r"vacation reply|on vacation|abwesenheitsnotiz|automatische antwort|"
    r"réponse automatique|absence du bureau|risposta automatica|respuesta automática"
    r")",
    re.IGNORECASE,
)
_MESSAGE_ID_LINE = re.compile(
    r"^\s*(?:x-original-)?message-id:\s*<?\s*([^\s<>]+@[^\s<>]+?)\s*>?\s*$", re.I | re.M
)
_STATUS = re.compile(r"\b([245])\.\d{1,3}\.\d{1,3}\b")
_ADDRESS = re.compile(r"[^\s<>@:;,\"'()]+@[^\s<>@:;,\"'()]+\.[^\s<>@:;,\"'()]+")
_LONE_ADDRESS = re.compile(r"^\s*<?(" + _ADDRESS.pattern + r")>?:?(?:\s.*)?$")


@dataclass(frozen=True, slots=True)
class Classification:
    kind: Kind
    reason: str
    bounced_message_id: str | None = None
    failed_recipients: tuple[str, ...] = ()
    status: str | None = None  # first failed recipient's DSN status, e.g. "5.1.1"
    diagnostic: str | None = None  # and its Diagnostic-Code

    @property
    def may_auto_answer(self) -> bool:
        return self.kind == "normal"


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """One recipient of a message/delivery-status part."""

    recipient: str
    action: str  # failed | delayed | delivered | relayed | expanded ("" when missing)
    status: str | None
    diagnostic: str | None

    @property
    def failed(self) -> bool:
        return self.action == "failed" or (self.action == "" and (self.status or "").startswith("5"))


def _fields(block: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    name = ""
    for line in block.split("\n"):
        if line[:1] in (" ", "\t") and name:
            fields[name] += " " + line.strip()
        elif ":" in line:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            fields.setdefault(name, value.strip())
    return fields


def parse_delivery_status(text: str) -> tuple[dict[str, str], list[DeliveryReport]]:
    """The per-message fields and the per-recipient reports of a delivery-status text."""
    blocks = [_fields(block) for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if block.strip()]
    per_message: dict[str, str] = {}
    reports: list[DeliveryReport] = []
    for fields in blocks:
        recipient = fields.get("final-recipient") or fields.get("original-recipient")
        if recipient is None:
            per_message.update({key: value for key, value in fields.items() if key not in per_message})
            continue
        address = recipient.partition(";")[2] if ";" in recipient else recipient
        status = _STATUS.search(fields.get("status", ""))
        reports.append(
            DeliveryReport(
                recipient=normalize_address(address.strip()),
                action=fields.get("action", "").split()[0].lower()
                if fields.get("action", "").split()
                else "",
                status=status.group(0) if status else None,
                diagnostic=fields.get("diagnostic-code") or None,
            )
        )
    return per_message, reports


def classify(
    parsed: ParsedEmail, *, own_addresses: Collection[str] = (), max_hops: int = MAX_HOPS
) -> Classification:
    """What kind of mail this is, and for bounces which message and recipients failed."""
    return (
        _loop(parsed, own_addresses, max_hops)
        or _bounce(parsed)
        or _auto_reply(parsed)
        or _bulk(parsed)
        or Classification(kind="normal", reason="")
    )


def _loop(parsed: ParsedEmail, own_addresses: Collection[str], max_hops: int) -> Classification | None:
    own = {normalize_address(address).lower() for address in own_addresses}
    sender = parsed.from_.address.lower() if parsed.from_ else ""
    if sender and sender in own:
        return Classification(kind="loop_suspect", reason=f"sent from our own address {sender}")
    x_loop = parsed.headers.get("x-loop", "").lower()
    if x_loop and any(address in x_loop for address in own):
        return Classification(kind="loop_suspect", reason=f"X-Loop: {x_loop[:100]}")
    if parsed.hop_count > max_hops:
        return Classification(kind="loop_suspect", reason=f"{parsed.hop_count} Received hops")
    return None


def _from_daemon(parsed: ParsedEmail) -> bool:
    if parsed.from_ is None:
        return parsed.headers.get("return-path", "").strip() == "<>"
    local = parsed.from_.address.rpartition("@")[0].lower()
    return (
        local in _BOUNCE_SENDERS
        or bool(_BOUNCE_NAMES.search(parsed.from_.name))
        or parsed.headers.get("return-path", "").strip() == "<>"
    )


def _bounce(parsed: ParsedEmail) -> Classification | None:
    if parsed.report_type == "delivery-status" or (
        parsed.report_type is None
        and parsed.content_type == "multipart/report"
        and "final-recipient" in parsed.delivery_status.lower()
    ):
        per_message, reports = parse_delivery_status(parsed.delivery_status)
        failed = [report for report in reports if report.failed]
        if reports and not failed:
            actions = ", ".join(sorted({report.action or "unknown" for report in reports}))
            return Classification(kind="auto_reply", reason=f"delivery status notification: {actions}")
        if failed:
            return Classification(
                kind="bounce",
                reason="delivery status notification: failed",
                bounced_message_id=_bounced_id(parsed, per_message),
                failed_recipients=tuple(dict.fromkeys(report.recipient for report in failed)),
                status=failed[0].status,
                diagnostic=failed[0].diagnostic,
            )
    if _from_daemon(parsed) and _BOUNCE_SUBJECT.search(parsed.subject):
        recipients = _failed_from_text(parsed)
        status = _STATUS.search(parsed.text)
        return Classification(
            kind="bounce",
            reason=f"bounce without a delivery report: {parsed.subject[:80]}",
            bounced_message_id=_bounced_id(parsed, {}),
            failed_recipients=recipients,
            status=status.group(0) if status else None,
        )
    return None


def _bounced_id(parsed: ParsedEmail, per_message: Mapping[str, str]) -> str | None:
    for source in (parsed.returned_headers, per_message.get("x-original-message-id", "")):
        match = _MESSAGE_ID_LINE.search(source) or _MESSAGE_ID_LINE.search(f"message-id: {source}")
        if source and match:
            return match.group(1)
    if parsed.in_reply_to:
        return parsed.in_reply_to
    for match in _MESSAGE_ID_LINE.finditer(parsed.text):
        if match.group(1) != parsed.message_id:
            return match.group(1)
    return None


def _failed_from_text(parsed: ParsedEmail) -> tuple[str, ...]:
    listed = [item.strip().strip("<>") for item in parsed.headers.get("x-failed-recipients", "").split(",")]
    found = [normalize_address(item) for item in listed if "@" in item]
    if found:
        return tuple(dict.fromkeys(found))
    ours = {address.address.lower() for address in (*parsed.to, *parsed.cc)}
    ours |= {parsed.from_.address.lower()} if parsed.from_ else set()
    body = parsed.text.split("\n")
    end = next((i for i, line in enumerate(body) if _MESSAGE_ID_LINE.match(line)), len(body))
    for line in body[:end]:
        match = _LONE_ADDRESS.match(line)
        if match and not re.match(r"^\s*[\w-]+:\s", line):
            address = normalize_address(match.group(1))
            if address.lower() not in ours:
                found.append(address)
    return tuple(dict.fromkeys(found))


def _auto_reply(parsed: ParsedEmail) -> Classification | None:
    headers = parsed.headers
    if parsed.report_type == "disposition-notification":
        return Classification(kind="auto_reply", reason="read receipt (disposition notification)")
    submitted = re.split(r"[;(\s]", headers.get("auto-submitted", "").strip().lower(), maxsplit=1)[0]
    if submitted and submitted != "no":
        return Classification(kind="auto_reply", reason=f"Auto-Submitted: {submitted}")
    for name in ("x-autoreply", "x-autorespond"):
        if name in headers:
            return Classification(kind="auto_reply", reason=f"{name}: {headers[name][:60]}")
    suppress = headers.get("x-auto-response-suppress", "").lower()
    if any(token in suppress for token in ("all", "oof", "autoreply")):
        return Classification(kind="auto_reply", reason=f"X-Auto-Response-Suppress: {suppress[:60]}")
    precedence = headers.get("precedence", "").strip().lower()
    if precedence == "auto_reply":
        return Classification(kind="auto_reply", reason="Precedence: auto_reply")
    if _AUTO_SUBJECT.search(parsed.subject):
        return Classification(kind="auto_reply", reason=f"subject: {parsed.subject[:80]}")
    if _from_daemon(parsed) and parsed.from_ is not None:
        return Classification(kind="auto_reply", reason=f"sent by {parsed.from_.address}")
    return None


def _bulk(parsed: ParsedEmail) -> Classification | None:
    headers = parsed.headers
    for name in ("list-id", "list-unsubscribe"):
        if headers.get(name):
            return Classification(kind="list", reason=f"{name}: {headers[name][:80]}")
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in ("bulk", "junk", "list"):
        return Classification(kind="list", reason=f"Precedence: {precedence}")
    return None


@dataclass(frozen=True, slots=True)
class SenderRateLimit:
    """At most ``max_messages`` from one sender per ``per_seconds``; pure, the caller keeps history.

    ``history`` maps `SenderRateLimit.key(sender)` to the arrival times of that sender's earlier
    messages (any order; older ones are ignored, so the caller may prune lazily).
    """

    max_messages: int
    per_seconds: float

    def __post_init__(self) -> None:
        if self.max_messages < 1 or self.per_seconds <= 0:
            raise ValueError("SenderRateLimit needs max_messages >= 1 and per_seconds > 0")

    @staticmethod
    def key(sender: str) -> str:
        return normalize_address(sender).lower()

    def recent(self, sender: str, now: datetime, history: Mapping[str, Iterable[datetime]]) -> int:
        start = now - timedelta(seconds=self.per_seconds)
        return sum(1 for at in history.get(self.key(sender), ()) if start < at <= now)

    def allow(self, sender: str, now: datetime, history: Mapping[str, Iterable[datetime]]) -> bool:
        return self.recent(sender, now, history) < self.max_messages
