"""An agent narrows the inbox by channel and status, adds an internal note and transfers to a team.

The filters swap the list and push the URL (no reload); the note and the transfer are htmx posts on
the conversation page that swap the thread, the properties and the timeline.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from tests.browser.helpers import BROWSER, log_in, mark_page, wait_for_htmx, was_not_reloaded
from tests.factories import make_agent, make_conversation, make_customer, make_store, make_team
from zabota.conversations import actions
from zabota.conversations.models import Conversation, ConversationEvent, EventType, Message
from zabota.stores.actors import Actor

pytestmark = BROWSER


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _rows(page: Page) -> list[str]:
    return page.locator("#inbox-list tbody tr.row").evaluate_all("rows => rows.map(r => r.id)")


def test_agent_filters_the_inbox_notes_and_transfers(live_server, transactional_db, browser_page, shots):
    # given conversations on several channels and statuses, and a returns team
    store = make_store("Домашний уют", slug="uyut")
    agent = make_agent(store, name="Ольга Агентова", username="olga")
    team = make_team(store, "Возвраты")
    maria = make_customer(store, name="Мария Иванова")
    chat = make_conversation(store, channel="chat", text="Есть ли чайник в красном цвете?")
    wanted = make_conversation(
        store, customer=maria, channel="telegram", text="Хочу вернуть чайник, он течёт."
    )
    waiting = make_conversation(store, channel="telegram", text="Уточните адрес пункта выдачи.")
    actions.set_status(conversation=waiting, status="on_hold", by=Actor.of_agent(agent))
    invoice = make_conversation(store, channel="email", text="Счёт на оплату для юрлица")
    page = browser_page
    log_in(page, live_server.url, "olga")
    mark_page(page)

    # when the agent opens "All open" and filters by channel, then by status
    page.click("a.view[data-view=open]")
    expect(page.locator("a.view.active")).to_have_attribute("data-view", "open")
    wait_for_htmx(page)
    expect(page.locator("#inbox-list .pager .muted")).to_have_text("4 conversations")
    assert sorted(_rows(page)) == sorted(f"conv-{c.number}" for c in (chat, wanted, waiting, invoice))
    assert _query(page)["view"] == ["open"]
    page.select_option("#inbox-filters select[name=channel]", "telegram")
    expect(page.locator("#inbox-list .pager .muted")).to_have_text("2 conversations")
    assert sorted(_rows(page)) == sorted([f"conv-{wanted.number}", f"conv-{waiting.number}"])
    assert _query(page)["channel"] == ["telegram"]
    wait_for_htmx(page)
    page.select_option("#inbox-filters select[name=status]", "new")

    # then the list holds only the new Telegram conversation, the URL says so, and nothing reloaded
    expect(page.locator("#inbox-list .pager .muted")).to_have_text("1 conversation")
    assert _rows(page) == [f"conv-{wanted.number}"]
    row = page.locator(f"#conv-{wanted.number}")
    expect(row.locator("td").nth(1)).to_have_text("Хочу вернуть чайник, он течёт.")
    expect(row.locator("td").nth(2)).to_have_text("Мария Иванова")
    expect(row.locator("td").nth(3)).to_have_text("Telegram")
    expect(row.locator("td").nth(5)).to_have_text("New")
    query = _query(page)
    assert (query["view"], query["channel"], query["status"]) == (["open"], ["telegram"], ["new"])
    assert urlsplit(page.url).path == "/inbox/"
    assert was_not_reloaded(page)
    page.screenshot(path=str(shots / "inbox-filtered.png"))

    # when the agent opens it and adds an internal note
    page.click(f"#conv-{wanted.number} td.subject a")
    page.wait_for_url(f"{live_server.url}/c/{wanted.number}/")
    mark_page(page)
    page.fill("#reply-text", "Клиентка прислала видео: течёт у основания. Оформляем возврат.")
    page.click("#reply-form button.btn-note")

    # then it is shown as an internal note, styled apart from the customer's message
    expect(page.locator("#flash .alert-success")).to_have_text("Note added.×")
    articles = page.locator("#thread article")
    expect(articles).to_have_count(2)
    inbound, note = articles.nth(0), articles.nth(1)
    expect(inbound).to_have_class("msg msg-inbound author-customer")
    expect(note).to_have_class("msg msg-note author-agent")
    expect(note.locator(".who")).to_have_text("Ольга Агентова")
    expect(note.locator(".kind")).to_have_text("internal note")
    expect(note.locator(".msg-body")).to_have_text(
        "Клиентка прислала видео: течёт у основания. Оформляем возврат."
    )
    expect(note).to_have_css("background-color", "rgb(255, 247, 214)")
    expect(note).to_have_css("border-left-width", "4px")
    expect(inbound).to_have_css("background-color", "rgb(248, 250, 252)")
    expect(page.locator("#reply-text")).to_have_value("")
    stored = Message.objects.get(conversation=wanted, direction="note")
    assert (stored.text, stored.author_agent_id) == (
        "Клиентка прислала видео: течёт у основания. Оформляем возврат.",
        agent.pk,
    )

    # when the agent transfers it to the returns team with a reason
    wait_for_htmx(page)
    page.click("#properties details.more summary:has-text('Transfer')")
    transfer = page.locator("#properties form[action$='/transfer/']")
    transfer.locator("select[name=to_team]").select_option(label="Возвраты")
    transfer.locator("input[name=reason]").fill("возврат, нужен склад")
    transfer.locator("button[type=submit]").click()

    # then the timeline shows the transfer, the team field follows, and the page never reloaded
    expect(page.locator("#flash .alert-success")).to_have_text("Conversation transferred.×")
    expect(page.locator("#timeline li span").first).to_have_text(
        "Ольга Агентова transferred to Возвраты (reason: возврат, нужен склад)"
    )
    expect(page.locator("#timeline li span")).to_have_text(
        [
            "Ольга Агентова transferred to Возвраты (reason: возврат, нужен склад)",
            "Ольга Агентова added an internal note",
            "Мария Иванова wrote a message",
            "Мария Иванова opened the conversation via Telegram",
        ]
    )
    expect(page.locator("#p-team")).to_have_value(str(team.pk))
    page.screenshot(path=str(shots / "conversation-transferred.png"), full_page=True)
    assert was_not_reloaded(page)
    assert page.url == f"{live_server.url}/c/{wanted.number}/"

    # and the database agrees
    wanted = Conversation.objects.get(pk=wanted.pk)
    assert (wanted.team_id, wanted.assignee_id, wanted.transfer_count) == (team.pk, None, 1)
    event = ConversationEvent.objects.get(conversation=wanted, type=EventType.TRANSFERRED)
    assert (event.payload["to_team"], event.payload["to_team_name"], event.payload["reason"]) == (
        team.pk,
        "Возвраты",
        "возврат, нужен склад",
    )
    assert event.actor_agent_id == agent.pk
