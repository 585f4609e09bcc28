"""A team lead sets up service targets in the browser, and an agent sees them run down and get met.

Settings → Service targets: the recommended policies, the business calendar (a lunch break and a
holiday, with a typo corrected on the way), a policy of its own for deliveries moved to the top; then
the inbox row shows the nearest target, the conversation page the targets panel, and the agent's reply
turns the first response "met" without a reload.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.helpers import BROWSER, log_in, mark_page, wait_for_htmx, was_not_reloaded
from tests.factories import make_agent, make_conversation, make_customer, make_store
from zabota.conversations.models import Deadline
from zabota.sla.models import BusinessCalendar, Policy

pytestmark = BROWSER

MINUTES_LEFT = re.compile(r"^(29|30) min left$")


def _policy_names(page: Page) -> list[str]:
    return page.locator("#policies tbody tr td:nth-child(2) a").all_inner_texts()


def test_lead_sets_targets_and_a_reply_meets_the_first_response(
    live_server, transactional_db, new_context, shots
):
    store = make_store("Домашний уют", slug="uyut")
    make_agent(store, role="lead", name="Ирина Старшая", username="irina")
    make_agent(store, name="Ольга Агентова", username="olga")
    lead = new_context().new_page()
    log_in(lead, live_server.url, "irina")

    # when the lead opens the service targets and creates the recommended policies
    lead.goto(f"{live_server.url}/settings/service-targets/")
    expect(lead.locator("#policies tbody")).to_contain_text("No policies yet")
    lead.click("button:has-text('Create the recommended policies')")
    expect(lead.locator("#flash .alert-success")).to_have_text("The store has 5 policies.")
    assert _policy_names(lead) == [
        "VIP customers",
        "VIP chats",
        "Calls",
        "Chats",
        "Email, forms and messengers",
    ]

    # and edits the default calendar: a later lunch break on Mondays and a holiday (a typo first)
    lead.click("nav.tabs a:has-text('Business calendars')")
    calendar = BusinessCalendar.objects.get(store=store)
    expect(lead.locator(f"#calendars tr[data-calendar='{calendar.pk}']")).to_contain_text(
        "Monday: 09:00–13:00, 14:00–18:00"
    )
    lead.click(f"#calendars tr[data-calendar='{calendar.pk}'] a")
    expect(lead.locator("#id_week_mon")).to_have_value("09:00–13:00, 14:00–18:00")
    lead.fill("#id_week_mon", "09:00-13:30, 14:30-18:00")
    lead.fill("#id_holidays", "2031-13-01")
    lead.click("#calendar-form button[type=submit]")
    expect(lead.locator("#calendar-form")).to_contain_text("“2031-13-01” is not a date (use YYYY-MM-DD).")
    expect(lead.locator("#id_week_mon")).to_have_value("09:00-13:30, 14:30-18:00")  # nothing lost
    lead.fill("#id_holidays", "2031-01-02")
    lead.click("#calendar-form button[type=submit]")
    expect(lead.locator("#flash .alert-success")).to_have_text("Calendar Working hours was saved.")
    row = lead.locator(f"#calendars tr[data-calendar='{calendar.pk}']")
    expect(row).to_contain_text("Monday: 09:00–13:30, 14:30–18:00")
    expect(row.locator("td").nth(3)).to_have_text("1")
    calendar.refresh_from_db()
    assert calendar.week["mon"] == [["09:00", "13:30"], ["14:30", "18:00"]]
    assert calendar.holidays == ["2031-01-02"]

    # and adds a policy for deliveries: first response within 30 minutes, moved to the top
    lead.click("nav.tabs a:has-text('Policies')")
    lead.click("a.btn:has-text('New policy')")
    lead.fill("#id_name", "Доставка")
    lead.check("input[name=categories][value=delivery]")
    lead.fill("#id_first_response_minutes", "30")
    lead.click("#policy-form button[type=submit]")
    expect(lead.locator("#flash .alert-success")).to_have_text("Policy Доставка was saved.")
    policy = Policy.objects.get(store=store, name="Доставка")
    assert (policy.categories, policy.first_response_minutes, policy.first_response_business) == (
        ["delivery"],
        30,
        False,
    )
    for _ in range(5):
        lead.click(f"#policies tr[data-policy='{policy.pk}'] button[value=up]")
        lead.wait_for_load_state()
    expect(lead.locator("#policies tbody tr").first).to_have_attribute("data-policy", str(policy.pk))
    expect(lead.locator("#policies tbody tr").first).to_contain_text("Categories: Delivery")
    expect(lead.locator("#policies tbody tr").first).to_contain_text("First response: 30 min")
    assert _policy_names(lead)[0] == "Доставка"
    lead.screenshot(path=str(shots / "sla-policies.png"), full_page=True)

    # when a customer asks about a delivery in the chat
    customer = make_customer(store, name="Мария Иванова")
    conversation = make_conversation(
        store, customer=customer, channel="chat", category="delivery", text="Когда привезут заказ 1042?"
    )

    # then the agent's inbox shows the nearest target on the row
    agent = new_context().new_page()
    log_in(agent, live_server.url, "olga")
    agent.click("a.view[data-view=unassigned]")
    cell = agent.locator(f"#conv-{conversation.number} td.sla-cell .sla")
    expect(cell).to_have_attribute("data-state", "active")
    expect(cell).to_have_attribute("title", "First response")
    expect(cell).to_have_text(MINUTES_LEFT)
    expect(cell).to_have_class(re.compile(r"\bsla-ok\b"))

    # and the conversation page shows the panel with the time left and the policy
    agent.click(f"#conv-{conversation.number} td.subject a")
    agent.wait_for_url(f"{live_server.url}/c/{conversation.number}/")
    mark_page(agent)
    first = agent.locator("#targets li[data-kind=first_response]")
    expect(first.locator(".sla-label")).to_have_text("First response")
    expect(first.locator(".sla-time")).to_have_text(MINUTES_LEFT)
    expect(first).to_have_attribute("data-state", "active")
    expect(agent.locator("#targets")).to_contain_text("Policy: Доставка")
    agent.screenshot(path=str(shots / "sla-targets-running.png"), full_page=True)

    # when the agent replies
    agent.fill("#reply-text", "Мария, курьер привезёт заказ завтра с 10 до 14.")
    agent.click("#reply-form button.btn-primary")
    expect(agent.locator("#thread .msg-outbound")).to_contain_text("курьер привезёт")
    wait_for_htmx(agent)

    # then the first response is met, in the panel, the database, and the inbox row
    expect(first).to_have_attribute("data-state", "met")
    expect(first.locator(".sla-time")).to_have_text("met")
    expect(first).to_have_class(re.compile(r"\bsla-met\b"))
    assert was_not_reloaded(agent)
    deadline = Deadline.objects.get(conversation=conversation, kind="first_response")
    assert (deadline.state, deadline.breached_at, deadline.policy_name) == ("met", None, "Доставка")
    assert deadline.met_at is not None
    agent.screenshot(path=str(shots / "sla-targets-met.png"), full_page=True)
    agent.goto(f"{live_server.url}/inbox/?view=open")
    expect(agent.locator(f"#conv-{conversation.number} td.sla-cell")).to_have_text("—")

    # and the board counts it within target today for chats
    agent.goto(f"{live_server.url}/board/")
    within = agent.locator(".board-channels tr[data-channel=chat] td[data-within]")
    expect(within).to_have_attribute("data-within", "100")
    expect(within).to_contain_text("1 / 1")
