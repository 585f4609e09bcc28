"""Playwright against ``live_server`` with Debian's Chromium (Playwright downloads no browser here).

One Chromium process serves the whole ``tests/browser`` package and each test gets fresh contexts
(own cookies, own locale), which keeps the suite fast on a 2-core machine. The process and its event
loop end with the package, so the rest of the suite runs without them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.helpers import CHROMIUM, SHOTS

expect.set_options(timeout=10_000)


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    # Sync Playwright keeps an event loop in the main thread; Django's ORM refuses to run in a
    # thread with a running loop unless told that this one is safe. Only while the browser lives.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                ],
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_context(chromium: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Open a browser context (a separate person: own cookies); closed after the test."""
    opened: list[BrowserContext] = []

    def open_context(locale: str = "en-US", **kwargs: Any) -> BrowserContext:
        context = chromium.new_context(viewport={"width": 1440, "height": 900}, locale=locale, **kwargs)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


@pytest.fixture
def browser_page(new_context: Callable[..., BrowserContext]) -> Page:
    return new_context().new_page()


@pytest.fixture
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS
