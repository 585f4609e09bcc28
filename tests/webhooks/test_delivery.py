"""emit, and deliver_webhook against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import make_store
from zabota.webhooks.actions import emit
from zabota.webhooks.models import WebhookDelivery, WebhookSubscription
from zabota.webhooks.signing import verify
from zabota.webhooks.tasks import backoff_seconds, deliver_webhook


class Receiver:
    """A local endpoint that records requests and answers with the queued status codes."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.codes: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                code = receiver.codes.pop(0) if receiver.codes else 200
                answer = b'{"ok": true}' if code < 300 else b"boom"
                self.send_response(code)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/zabota"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def _delivery(store, url: str) -> WebhookDelivery:
    WebhookSubscription.objects.create(store=store, url=url, events=["message.created"])
    [delivery_id] = emit(
        store_id=store.pk, event="message.created", data={"message": {"id": 7, "text": "Привет"}}
    )
    return WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)


def test_emit_creates_one_delivery_per_matching_active_subscription(
    store, enqueued, django_capture_on_commit_callbacks
):
    # given
    wanted = WebhookSubscription.objects.create(
        store=store, url="https://a.example.ru/", events=["message.created"]
    )
    everything = WebhookSubscription.objects.create(
        store=store, url="https://b.example.ru/", events=["message.created", "conversation.created"]
    )
    WebhookSubscription.objects.create(
        store=store, url="https://c.example.ru/", events=["conversation.created"]
    )
    WebhookSubscription.objects.create(
        store=store, url="https://d.example.ru/", events=["message.created"], is_active=False
    )
    WebhookSubscription.objects.create(
        store=make_store(), url="https://e.example.ru/", events=["message.created"]
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        ids = emit(store_id=store.pk, event="message.created", data={"message": {"id": 1}})
    # then
    deliveries = list(WebhookDelivery.objects.filter(pk__in=ids).order_by("id"))
    assert [d.subscription_id for d in deliveries] == [wanted.pk, everything.pk]
    assert WebhookDelivery.objects.count() == 2
    event_id = deliveries[0].event_id
    assert deliveries[1].event_id == event_id
    assert deliveries[0].payload == {
        "id": str(event_id),
        "event": "message.created",
        "store_id": store.pk,
        "data": {"message": {"id": 1}},
    }
    assert [(d.status, d.attempts) for d in deliveries] == [("pending", 0), ("pending", 0)]
    assert [(r.task.name, r.args) for r in enqueued] == [
        ("deliver_webhook", [ids[0]]),
        ("deliver_webhook", [ids[1]]),
    ]


def test_emit_without_subscribers_writes_nothing(store, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert emit(store_id=store.pk, event="message.created", data={}) == []
    assert WebhookDelivery.objects.count() == 0
    assert enqueued == []


def test_emit_is_rolled_back_with_the_transaction(store, enqueued, django_capture_on_commit_callbacks):
    from django.db import transaction

    WebhookSubscription.objects.create(store=store, url="https://a.example.ru/", events=["message.created"])

    def emit_then_fail() -> None:
        with transaction.atomic():
            emit(store_id=store.pk, event="message.created", data={})
            raise RuntimeError("rollback")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        emit_then_fail()
    assert WebhookDelivery.objects.count() == 0
    assert (callbacks, enqueued) == ([], [])


def test_successful_delivery_is_signed_and_not_sent_again(store, receiver, enqueued):
    # given
    delivery = _delivery(store, receiver.url)
    # when
    assert deliver_webhook.call(delivery.pk) == "succeeded"
    # then
    [request] = receiver.requests
    headers = request["headers"]
    assert request["path"] == "/hooks/zabota"
    assert json.loads(request["body"]) == delivery.payload
    assert json.loads(request["body"])["data"]["message"]["text"] == "Привет"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["X-Zabota-Event"] == "message.created"
    assert headers["X-Zabota-Delivery"] == str(delivery.event_id)
    timestamp = int(headers["X-Zabota-Timestamp"])
    assert abs(timestamp - time.time()) < 60
    secret = delivery.subscription.secret
    assert verify(secret, timestamp, request["body"], headers["X-Zabota-Signature"], now=int(time.time()))
    assert not verify(
        "whsec_wrong", timestamp, request["body"], headers["X-Zabota-Signature"], now=int(time.time())
    )
    assert not verify(
        secret, timestamp, request["body"] + b" ", headers["X-Zabota-Signature"], now=int(time.time())
    )
    delivery.refresh_from_db()
    assert (
        delivery.status,
        delivery.attempts,
        delivery.response_code,
        delivery.error,
        delivery.next_attempt_at,
    ) == (
        "succeeded",
        1,
        200,
        "",
        None,
    )
    assert delivery.response_excerpt == '{"ok": true}'
    assert enqueued == []
    # again: idempotent
    assert deliver_webhook.call(delivery.pk) == "skipped"
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_server_error_is_retried_with_backoff(store, receiver, enqueued):
    # given
    receiver.codes = [500]
    delivery = _delivery(store, receiver.url)
    # when
    started = timezone.now()
    assert deliver_webhook.call(delivery.pk) == "pending"
    finished = timezone.now()
    # then
    delivery.refresh_from_db()
    assert (
        delivery.status,
        delivery.attempts,
        delivery.response_code,
        delivery.error,
        delivery.response_excerpt,
    ) == (
        "pending",
        1,
        500,
        "HTTP 500",
        "boom",
    )
    assert started + timedelta(seconds=30) <= delivery.next_attempt_at <= finished + timedelta(seconds=30)
    [retry] = enqueued
    assert (retry.task.name, retry.args, retry.task.run_after) == (
        "deliver_webhook",
        [delivery.pk],
        delivery.next_attempt_at,
    )
    # the retry succeeds
    assert deliver_webhook.call(delivery.pk) == "succeeded"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.error) == (
        "succeeded",
        2,
        200,
        "",
    )
    assert len(receiver.requests) == 2


def test_gives_up_after_max_attempts(store, receiver, enqueued, settings):
    settings.ZABOTA_WEBHOOK_MAX_ATTEMPTS = 3
    receiver.codes = [503, 502, 500]
    delivery = _delivery(store, receiver.url)
    results = [deliver_webhook.call(delivery.pk) for _ in range(3)]
    assert results == ["pending", "pending", "failed"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.next_attempt_at) == (
        "failed",
        3,
        500,
        None,
    )
    assert len(enqueued) == 2
    assert len(receiver.requests) == 3


def test_backoff_doubles_and_is_capped():
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_seconds(30) == 6 * 3600


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_refused_is_recorded(store, enqueued):
    delivery = _delivery(store, f"http://127.0.0.1:{_free_port()}/hook")
    assert deliver_webhook.call(delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("pending", 1, None)
    assert delivery.error.startswith("URLError: ")
    assert "Connection refused" in delivery.error
    assert len(enqueued) == 1


def test_garbage_response_is_recorded_not_crashing(store, enqueued):
    # a server that answers something that is not HTTP
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def answer() -> None:
        connection, _address = server.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"SSH-2.0-OpenSSH\r\n\r\n")

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        delivery = _delivery(store, f"http://127.0.0.1:{server.getsockname()[1]}/hook")
        assert deliver_webhook.call(delivery.pk) == "pending"
    finally:
        thread.join(5)
        server.close()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("pending", 1, None)
    assert delivery.error.startswith("BadStatusLine: ")


def test_missing_delivery_is_skipped(db):
    assert deliver_webhook.call(999_999) == "skipped"
