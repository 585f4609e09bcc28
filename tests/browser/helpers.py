"""Shared bits of the browser tests: the marks, logging in, and telling a swap from a reload."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(os.environ.get("ZABOTA_SCREENSHOTS", "/tmp/zabota-shots"))
PASSWORD = "pass12345!"  # the one tests.factories.make_agent gives every user

BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's Chromium is not installed"),
]


def log_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the form, as a person would, and land on the inbox."""
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{base_url}/inbox/")


def mark_page(page: Page) -> None:
    """Leave a flag in the window: a full page load would lose it."""
    page.evaluate("window.__noReload = true")


def was_not_reloaded(page: Page) -> bool:
    return page.evaluate("window.__noReload === true") is True


def wait_for_htmx(page: Page) -> None:
    """Wait until htmx has no request in flight and has wired up what it swapped in.

    htmx binds the triggers of new content (``hx-post``, ``hx-trigger="change"``) only when the swap
    settles, 20 ms later; until then the elements carry ``htmx-added``. A browser driven at machine
    speed can act inside that window, and its change or click is then lost or becomes a plain submit.
    """
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )
