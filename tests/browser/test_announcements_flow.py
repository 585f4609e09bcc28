"""A must-read announcement in a real browser: the lead publishes, the agent is held until she reads it.

The lead publishes through the form; the agent sees the banner on every page, her reply is refused with
a message naming the announcement (and her text stays in the box), she acknowledges from the banner
(an htmx swap), the same reply goes through, and the lead's read-receipt report lists her.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.helpers import BROWSER, log_in, mark_page, wait_for_htmx, was_not_reloaded
from tests.factories import make_agent, make_conversation, make_customer, make_store
from zabota.announcements.models import Acknowledgement, Announcement
from zabota.conversations.models import Message

pytestmark = BROWSER

TITLE = "Новые сроки доставки в регионы"
REPLY = "Мария, заказ приедет через 5 дней: сроки доставки изменились."


def test_must_read_announcement_holds_a_reply_until_acknowledged(
    live_server, transactional_db, new_context, shots
):
    store = make_store("Домашний уют", slug="uyut")
    make_agent(store, role="lead", name="Ирина Старшая", username="irina")
    olga = make_agent(store, name="Ольга Агентова", username="olga")
    make_agent(store, name="Пётр Отпускнов", username="petr")
    conversation = make_conversation(
        store, customer=make_customer(store, name="Мария Иванова"), text="Когда придёт заказ в Тверь?"
    )

    # when the lead publishes a must-read announcement
    lead = new_context().new_page()
    log_in(lead, live_server.url, "irina")
    lead.goto(f"{live_server.url}/announcements/new/")
    lead.fill("#id_title", TITLE)
    lead.fill("#id_body", "С понедельника доставка в регионы занимает 5 рабочих дней вместо 3.")
    lead.select_option("#id_kind", "delay")
    lead.select_option("#id_severity", "warning")
    lead.check("#id_must_read")
    lead.click("form.form button[type=submit]")
    expect(lead.locator("#flash .alert-success")).to_have_text("The announcement was published.")
    expect(lead.locator("h1")).to_have_text(TITLE)
    announcement = Announcement.objects.get(store=store)
    assert (announcement.must_read, announcement.kind, announcement.severity) == (True, "delay", "warning")

    # then the agent sees it in the banner, marked must read
    agent = new_context().new_page()
    log_in(agent, live_server.url, "olga")
    banner = agent.locator(f"#banner-announcement-{announcement.pk}")
    expect(banner.locator(".ann-title")).to_have_text(TITLE)
    expect(banner.locator(".badge")).to_have_text("must read")
    expect(banner.locator("button")).to_have_text("I have read it")

    # when she tries to reply to a customer
    agent.goto(f"{live_server.url}/c/{conversation.number}/")
    mark_page(agent)
    agent.fill("#reply-text", REPLY)
    agent.click("#reply-form button.btn-primary")

    # then the reply is refused with a message naming the announcement, and her text stays
    expect(agent.locator("#flash .alert-error")).to_contain_text(
        f"Acknowledge the must-read announcements before replying: «{TITLE}»."
    )
    expect(agent.locator("#reply-text")).to_have_value(REPLY)
    assert not Message.objects.filter(conversation=conversation, direction="outbound").exists()
    agent.screenshot(path=str(shots / "announcement-reply-refused.png"), full_page=True)

    # when she acknowledges it from the banner on the same page
    wait_for_htmx(agent)
    banner.locator("button").click()

    # then the banner empties without a reload and the same reply goes through
    expect(agent.locator("#announcement-banner .ann")).to_have_count(0)
    wait_for_htmx(agent)
    assert was_not_reloaded(agent)
    receipt = Acknowledgement.objects.get(announcement=announcement, agent=olga)
    assert receipt.acknowledged_at is not None
    expect(agent.locator("#reply-text")).to_have_value(REPLY)
    agent.click("#reply-form button.btn-primary")
    expect(agent.locator("#thread .msg-outbound")).to_contain_text("сроки доставки изменились")
    expect(agent.locator("#reply-text")).to_have_value("")
    assert Message.objects.filter(conversation=conversation, direction="outbound").count() == 1

    # and the lead's read-receipt report shows who acknowledged and who has not
    lead.click("a.btn:has-text('Read receipts')")
    expect(lead.locator("#receipt-summary")).to_contain_text("Audience: 3.")
    expect(lead.locator("#receipt-summary")).to_contain_text("Acknowledged: 1.")
    done = lead.locator("#receipts-done tbody tr")
    expect(done).to_have_count(1)
    expect(done.locator("td").first).to_have_text("Ольга Агентова")
    expect(done.locator("td").nth(3)).not_to_have_text("—")
    pending = lead.locator("#receipts-pending tbody tr td:first-child")
    expect(pending).to_have_text(["Ирина Старшая", "Пётр Отпускнов"])
    expect(lead.locator("h2").first).to_have_text("Not acknowledged yet (2)")
    lead.screenshot(path=str(shots / "announcement-receipts.png"), full_page=True)
