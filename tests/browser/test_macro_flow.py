"""A lead writes a macro in the settings; an agent inserts and applies it in a conversation.

Creating the macro is a plain form post; on the conversation page "Insert text" and "Apply and send"
are htmx swaps, so the agent's page is never reloaded.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import BROWSER, log_in, mark_page, wait_for_htmx, was_not_reloaded
from tests.factories import make_agent, make_conversation, make_store
from zabota.conversations.models import Conversation, ConversationEvent, EventType, Macro
from zabota.customers.actions import create_customer
from zabota.stores.actors import Actor

pytestmark = BROWSER

MACRO_TEXT = "{customer.first_name}, здравствуйте! Заказ передан в доставку, трек пришлём сегодня."


def test_lead_creates_a_macro_and_an_agent_applies_it(live_server, transactional_db, new_context, shots):
    # given a store with a lead, an agent and a customer whose first name is not the first word of the name
    store = make_store("Домашний уют", slug="uyut")
    make_agent(store, role="lead", tier="l2", name="Лидия Старшая", username="lidia")
    agent = make_agent(store, name="Ольга Агентова", username="olga")
    customer = create_customer(
        store=store,
        by=Actor.system(),
        name="Иванова Мария Петровна",
        first_name="Мария",
        last_name="Иванова",
        identities=[("email", "maria@example.ru")],
    )
    conversation = make_conversation(store, customer=customer, text="Когда привезут заказ 1042?")
    lead_page = new_context().new_page()
    agent_page = new_context().new_page()

    # when the lead creates the macro in the settings
    log_in(lead_page, live_server.url, "lidia")
    lead_page.goto(f"{live_server.url}/settings/macros/")
    expect(lead_page.locator("table.table tbody")).to_have_text("No macros yet.")
    lead_page.click("a.btn-primary:has-text('New macro')")
    lead_page.wait_for_url(f"{live_server.url}/settings/macros/new/")
    lead_page.fill("#id_name", "Заказ в доставке")
    lead_page.fill("#id_text", MACRO_TEXT)
    lead_page.select_option("#id_set_status", "pending")
    lead_page.fill("#id_add_tags", "доставка")
    with lead_page.expect_navigation():
        lead_page.click("form.form button.btn-primary")

    # then the list shows it with its actions in words
    assert lead_page.url == f"{live_server.url}/settings/macros/"
    expect(lead_page.locator("#flash .alert-success")).to_have_text("The macro “Заказ в доставке” was saved.")
    macro = Macro.objects.get()
    row = lead_page.locator(f"#macro-{macro.pk}")
    expect(row.locator("td").nth(0)).to_have_text("Заказ в доставке")
    expect(row.locator("td").nth(1)).to_have_text(MACRO_TEXT)
    expect(row.locator("td").nth(2).locator("li")).to_have_text(["status: Pending", "tags: доставка"])
    expect(row.locator("td").nth(4)).to_have_text("active")
    assert (macro.store_id, macro.text, macro.is_active) == (store.pk, MACRO_TEXT, True)
    assert macro.actions == {"set_status": "pending", "add_tags": ["доставка"]}

    # when the agent opens the conversation, picks the macro and inserts its text
    log_in(agent_page, live_server.url, "olga")
    agent_page.goto(f"{live_server.url}/c/{conversation.number}/")
    mark_page(agent_page)
    agent_page.select_option("#reply-box select[name=macro]", label="Заказ в доставке")
    agent_page.click("#reply-box button:has-text('Insert text')")

    # then the reply box holds the text with the customer's real first name, and nothing is written yet
    expect(agent_page.locator("#reply-text")).to_have_value(
        "Мария, здравствуйте! Заказ передан в доставку, трек пришлём сегодня."
    )
    assert (
        ConversationEvent.objects.filter(conversation=conversation, type=EventType.MACRO_APPLIED).count() == 0
    )

    # when the agent applies it
    wait_for_htmx(agent_page)
    agent_page.click("#reply-box button:has-text('Apply and send')")

    # then the reply is in the thread; the timeline shows the macro, the reply (which takes the
    # conversation and opens it) and the macro's actions
    expect(agent_page.locator("#flash .alert-success")).to_have_text("Macro “Заказ в доставке” applied.×")
    expect(agent_page.locator("#thread .msg-outbound .msg-body")).to_have_text(
        "Мария, здравствуйте! Заказ передан в доставку, трек пришлём сегодня."
    )
    timeline = agent_page.locator("#timeline li span")
    expect(timeline).to_have_text(
        [
            "Ольга Агентова changed the status from Open to Pending",
            "Ольга Агентова added tags: доставка",
            "Ольга Агентова changed the status from New to Open",
            "Ольга Агентова replied",
            "Ольга Агентова took the conversation",
            "Ольга Агентова applied the macro “Заказ в доставке”",
            "Иванова Мария Петровна wrote a message",
            "Иванова Мария Петровна opened the conversation via Chat",
        ]
    )
    expect(agent_page.locator("#conv-header [data-field=status]")).to_have_text("Pending")
    expect(agent_page.locator("#p-status")).to_have_value("pending")
    expect(agent_page.locator("#p-tags")).to_have_value("доставка")
    agent_page.screenshot(path=str(shots / "macro-applied.png"), full_page=True)
    assert was_not_reloaded(agent_page)

    # and the database agrees
    conversation = Conversation.objects.get(pk=conversation.pk)
    assert (conversation.status, conversation.assignee_id) == ("pending", agent.pk)
    assert list(conversation.tags.values_list("name", flat=True)) == ["доставка"]
    assert list(
        conversation.messages.filter(direction="outbound").values_list("text", "author_agent_id")
    ) == [("Мария, здравствуйте! Заказ передан в доставку, трек пришлём сегодня.", agent.pk)]
    assert Macro.objects.get(pk=macro.pk).usage_count == 1
