"""Reply tokens: ``support+c123-k3j5w2q8m4ha@shop.ru`` ties a reply to its conversation.

Outbound mail carries the token in ``Reply-To``; a customer's answer then reaches the mailbox with
the token in ``To`` / ``Cc`` / ``Delivered-To`` even when their client dropped ``In-Reply-To``.
The token is the conversation id and a short HMAC of (store, conversation), so a guessed or edited
token never threads mail into somebody else's conversation. Lower-case only: some servers fold the
local part. Pure: the key is ``settings.SECRET_KEY`` read at call time, or the ``secret`` given.
"""

from __future__ import annotations

import base64
import hmac
import re
from collections.abc import Iterable

from django.conf import settings
from django.utils.crypto import salted_hmac

__all__ = ["make_token", "read_token", "reply_address", "split_address", "tokens_in"]

_SALT = "zabota.email.reply-token"
_SIGNATURE_CHARS = 12  # base32: 60 bits
_TOKEN = re.compile(r"^c([1-9][0-9]{0,18})-([a-z2-7]{12})$")  # 12 == _SIGNATURE_CHARS


def _signature(store_id: int, conversation_id: int, secret: str | None) -> str:
    digest = salted_hmac(
        _SALT, f"{store_id}:{conversation_id}", secret=secret or settings.SECRET_KEY, algorithm="sha256"
    ).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:_SIGNATURE_CHARS]


def make_token(*, store_id: int, conversation_id: int, secret: str | None = None) -> str:
    """The token of one conversation, e.g. ``c123-k3j5w2q8m4ha``."""
    if conversation_id < 1:
        raise ValueError("conversation_id must be positive")
    return f"c{conversation_id}-{_signature(store_id, conversation_id, secret)}"


def read_token(token: str, *, store_id: int, secret: str | None = None) -> int | None:
    """The conversation id of a valid token of this store; ``None`` for anything else."""
    match = _TOKEN.match(token.strip().lower())
    if match is None:
        return None
    conversation_id = int(match.group(1))
    expected = _signature(store_id, conversation_id, secret)
    return conversation_id if hmac.compare_digest(expected, match.group(2)) else None


def split_address(address: str) -> tuple[str, str, str]:
    """``"Support+c1-x@Shop.RU"`` → ``("support", "c1-x", "shop.ru")`` (lower-cased; tag may be "")."""
    local, at, domain = address.strip().strip("<>").rpartition("@")
    if not at:
        local, domain = domain, ""
    base, _plus, tag = local.partition("+")
    return base.lower(), tag.lower(), domain.lower()


def reply_address(address: str, token: str) -> str:
    """The mailbox address with the token as its ``+`` tag: ``support+<token>@shop.ru``."""
    base, _tag, domain = split_address(address)
    return f"{base}+{token}@{domain}"


def tokens_in(addresses: Iterable[str]) -> list[str]:
    """The ``+`` tags shaped like tokens, in order, once each (any domain: mail may be forwarded)."""
    found: list[str] = []
    for address in addresses:
        _base, tag, _domain = split_address(address)
        if _TOKEN.match(tag) and tag not in found:
            found.append(tag)
    return found
