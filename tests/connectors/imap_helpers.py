"""A fresh Dovecot account that the server is sure to see."""

from __future__ import annotations

import time
from typing import Any


def new_account(dovecot: Any) -> Any:
    """``dovecot.add_account()``, then wait for the next whole second.

    Dovecot's passwd-file database re-reads the file at most once per second (of its clock), so a
    login in the same second as an earlier lookup would not see an account added meanwhile.
    """
    account = dovecot.add_account()
    now = time.time()
    time.sleep(int(now) + 1 - now + 0.02)
    return account
