"""Signing and verifying webhook bodies, replay protection included."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from zabota.webhooks.signing import sign, verify

SECRET = "whsec_test"
BODY = '{"event":"message.created","text":"Привет"}'.encode()
NOW = 1_760_000_000


def test_sign_is_hmac_sha256_over_timestamp_and_body():
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, NOW, BODY) == f"sha256={expected}"


@pytest.mark.parametrize(
    ("timestamp", "now", "ok"),
    [
        (NOW, NOW, True),
        (NOW, NOW + 300, True),
        (NOW, NOW + 301, False),
        (NOW, NOW - 301, False),
        (NOW - 3600, NOW, False),
    ],
    ids=["fresh", "at-tolerance", "stale", "from-the-future", "replayed-an-hour-later"],
)
def test_verify_rejects_stale_timestamps(timestamp, now, ok):
    assert verify(SECRET, timestamp, BODY, sign(SECRET, timestamp, BODY), now=now) is ok


def test_verify_rejects_a_re_signed_timestamp_without_the_secret():
    signature = sign(SECRET, NOW - 3600, BODY)
    assert verify(SECRET, NOW, BODY, signature, now=NOW) is False


@pytest.mark.parametrize(
    ("secret", "body", "signature"),
    [
        ("whsec_other", BODY, sign(SECRET, NOW, BODY)),
        (SECRET, BODY + b" ", sign(SECRET, NOW, BODY)),
        (SECRET, BODY, "sha256=" + "0" * 64),
        (SECRET, BODY, ""),
    ],
    ids=["wrong-secret", "changed-body", "wrong-signature", "empty-signature"],
)
def test_verify_rejects_tampering(secret, body, signature):
    assert verify(secret, NOW, body, signature, now=NOW) is False


def test_custom_tolerance():
    assert verify(SECRET, NOW, BODY, sign(SECRET, NOW, BODY), now=NOW + 10, tolerance=5) is False
