"""Presence, the operations board and the routing settings in a real browser.

An agent switches the topbar presence to online (an htmx swap, no reload); a new chat is routed to her
and the board shows her online with that load. An administrator switches routing to manual, which stops
the next chat from being assigned, and a negative number is refused on the form with nothing lost.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import BROWSER, log_in, mark_page, wait_for_htmx, was_not_reloaded
from tests.factories import make_agent, make_conversation, make_store
from zabota.conversations.models import Conversation
from zabota.stores.models import Agent, Store
from zabota.stores.options import routing_options

pytestmark = BROWSER


def test_agent_goes_online_gets_a_chat_and_shows_on_the_board(live_server, transactional_db, browser_page):
    store = make_store("Домашний уют", slug="uyut")
    olga = make_agent(store, name="Ольга Агентова", username="olga")
    make_agent(store, name="Пётр Офлайнов", username="petr")
    page = browser_page
    log_in(page, live_server.url, "olga")
    mark_page(page)
    expect(page.locator("#presence-select")).to_have_value("offline")

    # when she switches the topbar to online
    page.select_option("#presence-select", "online")

    # then the switch is swapped in place, and routing now counts her
    expect(page.locator("form#presence")).to_have_class(re.compile(r"\bpresence-online\b"))
    expect(page.locator("#presence-select")).to_have_value("online")
    wait_for_htmx(page)
    assert was_not_reloaded(page)
    olga.refresh_from_db()
    assert (olga.presence, olga.presence_auto) == ("online", False)
    chat = make_conversation(store, channel="chat", text="Подскажите размер дивана?")
    assert Conversation.objects.get(pk=chat.pk).assignee_id == olga.pk

    # and the board shows her online first, with one chat of her capacity of five
    page.click("nav a:has-text('Board')")
    page.wait_for_url(f"{live_server.url}/board/")
    board = page.locator("#board")
    expect(board).to_contain_text("1 agent online.")
    rows = page.locator(".board-agents tbody tr")
    expect(rows).to_have_count(2)
    first = rows.nth(0)
    expect(first).to_have_attribute("data-agent", str(olga.pk))
    expect(first.locator("td").nth(0)).to_have_text("Ольга Агентова")
    expect(first.locator("td").nth(1)).to_have_text(re.compile(r"Online$"))
    expect(first.locator("td").nth(3)).to_have_text("1")
    expect(first.locator("td").nth(4)).to_have_text("Chat 1/5")
    expect(rows.nth(1).locator("td").nth(1)).to_have_text(re.compile(r"Offline$"))
    expect(page.locator(".board-channels tr[data-channel=chat] td").nth(1)).to_have_text("0")

    # and going away from the board's topbar is a swap too, the board follows on its next poll
    mark_page(page)
    page.select_option("#presence-select", "away")
    expect(page.locator("form#presence")).to_have_class(re.compile(r"\bpresence-away\b"))
    expect(board).to_contain_text("0 agents online.", timeout=15_000)
    expect(first.locator("td").nth(1)).to_have_text(re.compile(r"Away$"))
    assert was_not_reloaded(page)


def test_admin_saves_the_routing_mode_and_sees_a_negative_number_refused(
    live_server, transactional_db, browser_page
):
    store = make_store("Домашний уют", slug="uyut")
    make_agent(store, role="admin", name="Анна Админова", username="anna")
    online = make_agent(store, name="Ольга Агентова", username="olga", presence="online")
    page = browser_page
    log_in(page, live_server.url, "anna")

    # when the administrator chooses manual routing and saves
    page.goto(f"{live_server.url}/settings/routing/")
    expect(page.locator("input[name=mode][value=least_loaded]")).to_be_checked()
    page.check("input[name=mode][value=manual]")
    page.click("form.form button[type=submit]")

    # then it is saved and a new chat waits unassigned even with an agent online
    expect(page.locator("#flash .alert-success")).to_have_text("Routing settings saved.")
    expect(page.locator("input[name=mode][value=manual]")).to_be_checked()
    store = Store.objects.get(pk=store.pk)  # as the inbound paths load it: with the saved options
    assert routing_options(store).mode == "manual"
    chat = make_conversation(store, channel="chat", text="Есть ли доставка в Тверь?")
    assert Conversation.objects.get(pk=chat.pk).assignee_id is None
    assert Agent.objects.get(pk=online.pk).presence == "online"

    # when she types a negative chat waiting time and also switches the mode back
    page.check("input[name=mode][value=round_robin]")
    page.fill("input[name=chat_wait_seconds]", "-5")
    page.click("form.form button[type=submit]")

    # then the form says what is wrong, keeps what she typed, and nothing is saved
    expect(page.locator("form.form")).to_contain_text(
        "“Chat waiting, seconds” must be a whole number from 0 to 86400."
    )
    expect(page.locator("input[name=chat_wait_seconds]")).to_have_value("-5")
    expect(page.locator("input[name=mode][value=round_robin]")).to_be_checked()
    expect(page.locator("#flash .alert-success")).to_have_count(0)
    saved = Store.objects.get(pk=store.pk)
    assert routing_options(saved).mode == "manual"
    assert saved.options["queue_alerts"]["chat_wait_seconds"] >= 0
