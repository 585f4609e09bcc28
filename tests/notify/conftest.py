from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django_tasks import default_task_backend
from django_tasks.base import TaskResult

from zabota.notify.models import NotificationPreference

BOT_TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghij"
CHAT_ID = "424242"


class FakeTelegram:
    """A local Bot API: ``POST /bot<token>/sendMessage`` with the real answers for success and errors.

    Known chats get ``{"ok": true, "result": {...}}``; unknown ones 400 "chat not found"; a wrong token 401;
    ``fail_next`` queues forced answers (a 502, a 429 with ``retry_after``) for the next calls.
    """

    def __init__(self, token: str = BOT_TOKEN, chats: tuple[str, ...] = (CHAT_ID,)) -> None:
        self.token = token
        self.chats = set(chats)
        self.sent: list[dict[str, Any]] = []
        self.requests: list[str] = []
        self.forced: list[tuple[int, dict[str, Any]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                fake.requests.append(self.path)
                code, answer = fake.answer(self.path, self.headers.get("Content-Type", ""), raw)
                body = json.dumps(answer).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def fail_next(self, code: int, description: str, **parameters: int) -> None:
        answer: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            answer["parameters"] = parameters
        self.forced.append((code, answer))

    def answer(self, path: str, content_type: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        if path != f"/bot{self.token}/sendMessage":
            if path.endswith("/sendMessage"):
                return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        if self.forced:
            return self.forced.pop(0)
        if not content_type.startswith("application/json"):
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
        data = json.loads(raw)
        if not data.get("text"):
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
        chat_id = str(data.get("chat_id"))
        if chat_id not in self.chats:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
        self.sent.append(data)
        result = {
            "message_id": len(self.sent),
            "date": 1767225600,
            "chat": {"id": int(chat_id), "type": "private"},
            "text": data["text"],
        }
        return 200, {"ok": True, "result": result}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_telegram(settings) -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    settings.ZABOTA_TELEGRAM_API_URL = fake.url
    yield fake
    fake.close()


@pytest.fixture
def enqueued() -> Iterator[list[TaskResult]]:
    """Tasks enqueued on the dummy backend during the test."""
    default_task_backend.clear()  # type: ignore[attr-defined]
    yield default_task_backend.results  # type: ignore[attr-defined]
    default_task_backend.clear()  # type: ignore[attr-defined]


@pytest.fixture
def telegram_store(store):
    store.options = {"telegram": {"bot_token": BOT_TOKEN}}
    store.save(update_fields=["options"])
    return store


def wants(agent, **values) -> NotificationPreference:
    defaults = {"in_app": True, "email": False, "telegram": False, "telegram_chat_id": "", "kinds_muted": []}
    return NotificationPreference.objects.create(
        store_id=agent.store_id, agent=agent, **{**defaults, **values}
    )
