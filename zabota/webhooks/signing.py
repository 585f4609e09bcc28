"""HMAC-SHA256 signatures over ``timestamp + "." + body`` (pure)."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Zabota-Signature"
TIMESTAMP_HEADER = "X-Zabota-Timestamp"
EVENT_HEADER = "X-Zabota-Event"
DELIVERY_HEADER = "X-Zabota-Delivery"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str, timestamp: int, body: bytes, signature: str, *, now: int, tolerance: int = 300
) -> bool:
    """What a receiver does: constant-time compare, and reject stale timestamps (replays)."""
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)
