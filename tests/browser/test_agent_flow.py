"""An agent's day in a real browser: log in, open a conversation, reply, change status.

Drives Debian's Chromium through Playwright against ``live_server``; proves htmx swaps the
thread and the timeline without a page reload.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import BROWSER, SHOTS, wait_for_htmx
from tests.factories import make_agent, make_conversation, make_customer, make_store

pytestmark = BROWSER


def test_agent_logs_in_replies_and_changes_status(live_server, transactional_db, browser_page):
    # given a store, an agent and a waiting customer
    SHOTS.mkdir(parents=True, exist_ok=True)
    store = make_store("Домашний уют", slug="uyut")
    agent = make_agent(store, name="Ольга Агентова", username="olga")
    customer = make_customer(store, name="Мария Иванова")
    conversation = make_conversation(store, customer=customer, text="Где мой заказ 1042? Жду неделю.")
    page = browser_page

    # when the agent logs in through the form
    page.goto(f"{live_server.url}/login/")
    page.screenshot(path=str(SHOTS / "login.png"))
    page.fill("#id_username", "olga")
    page.fill("#id_password", "pass12345!")
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(f"{live_server.url}/inbox/")

    # and opens the conversation from the inbox (it waits in "Unassigned")
    page.click("a.view[data-view=unassigned]")
    page.wait_for_selector(f"#conv-{conversation.number}")
    page.screenshot(path=str(SHOTS / "inbox.png"))
    page.click(f"#conv-{conversation.number} td.subject a")
    page.wait_for_url(f"{live_server.url}/c/{conversation.number}/")
    page.evaluate("window.__noReload = true")

    # and replies
    page.fill("#reply-text", "Мария, заказ уже в пути, трек пришлём сегодня.")
    page.click("#reply-form button.btn-primary")
    expect(page.locator("#thread .msg-outbound")).to_contain_text("заказ уже в пути")
    expect(page.locator("#reply-text")).to_have_value("")

    # and sets the status to pending (once htmx has wired up the swapped-in properties)
    wait_for_htmx(page)
    page.select_option("#p-status", "pending")

    # then the new timeline entry appears, the header follows, and the page never reloaded
    expect(page.locator("#timeline li").first).to_have_text(
        re.compile("Ольга Агентова changed the status from Open to Pending")
    )
    expect(page.locator("#conv-header [data-field=status]")).to_have_text("Pending")
    expect(page.locator("#timeline")).to_contain_text(f"{agent.display_name} replied")
    page.screenshot(path=str(SHOTS / "conversation.png"), full_page=True)

    # and a bad request (an empty note) is shown inline, not as an error page
    page.click("#reply-form button.btn-note")
    expect(page.locator("#flash .alert-error")).to_contain_text("The message is empty.")
    assert page.evaluate("window.__noReload") is True
    assert page.url == f"{live_server.url}/c/{conversation.number}/"
