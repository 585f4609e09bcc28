"""A small client for the Telegram Bot API ``sendMessage`` method (urllib, no dependency).

The bot token is part of the request path, so it never appears in an error message: every text that
leaves this module has it replaced by ``***``.
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

DEFAULT_API_URL = "https://api.telegram.org"
_TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")
_CHAT_ID = re.compile(r"^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$")


class TelegramError(Exception):
    """A failed call. ``retryable``: worth trying again later (network, 429, 5xx)."""

    def __init__(self, description: str, *, code: int | None = None, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.description = description
        self.code = code
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.code is None or self.code == 429 or self.code >= 500


@dataclass(frozen=True)
class SentMessage:
    message_id: int
    chat_id: int | str


def valid_token(token: str) -> bool:
    return bool(_TOKEN.match(token))


def valid_chat_id(chat_id: str) -> bool:
    return bool(_CHAT_ID.match(chat_id))


def masked(token: str) -> str:
    """What pages show of a token: its last four characters."""
    return "…" + token[-4:] if token else ""


def send_message(
    *, token: str, chat_id: str, text: str, api_url: str = DEFAULT_API_URL, timeout: float = 10
) -> SentMessage:
    """POST ``/bot<token>/sendMessage`` (HTML parse mode, no link previews); raise ``TelegramError``."""
    body = json.dumps(
        {"chat_id": chat_id, "text": text, "parse_mode": "HTML", "disable_web_page_preview": True},
        ensure_ascii=False,
    ).encode()
    url = f"{api_url.rstrip('/')}/bot{token}/sendMessage"
    request = urllib.request.Request(  # noqa: S310 - the base URL comes from settings
        url, data=body, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, raw = response.status, response.read(64_000)
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read(64_000)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise TelegramError(_scrub(f"could not reach Telegram: {exc}", token)) from None
    answer = _parse(raw)
    if answer.get("ok") is True and isinstance(answer.get("result"), dict):
        result: dict[str, Any] = answer["result"]
        chat = result.get("chat")
        if not isinstance(chat, dict):
            chat = {}
        return SentMessage(message_id=int(result.get("message_id") or 0), chat_id=chat.get("id", chat_id))
    error_code = answer.get("error_code")
    code = error_code if isinstance(error_code, int) else status
    description = str(answer.get("description") or f"HTTP {status}")
    parameters = answer.get("parameters")
    retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
    raise TelegramError(
        _scrub(description, token),
        code=code,
        retry_after=retry_after if isinstance(retry_after, int) else None,
    )


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(raw.decode("utf-8", "replace"))
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _scrub(text: str, token: str) -> str:
    return text.replace(token, "***")[:1000] if token else text[:1000]
