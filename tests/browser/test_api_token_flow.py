"""An admin creates an API token, an integration posts a message with it, the inbox picks it up.

The raw token is on the page once (the database keeps its hash). The inbox list refreshes itself every
30 s through htmx polling; the test moves the page's clock forward instead of waiting.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from playwright.sync_api import expect

from tests.browser.helpers import BROWSER, log_in, mark_page, was_not_reloaded
from tests.factories import make_agent, make_store
from zabota.conversations.models import Conversation, Message
from zabota.stores.models import ApiToken, hash_token

pytestmark = BROWSER


def _post_json(url: str, token: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(  # noqa: S310 - the live_server URL is http://localhost
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, json.loads(response.read())


def test_admin_token_feeds_the_inbox(live_server, transactional_db, browser_page, shots):
    # given an administrator
    store = make_store("Домашний уют", slug="uyut")
    make_agent(store, role="admin", tier="l2", name="Антон Админов", username="anton")
    page = browser_page
    page.clock.install()
    log_in(page, live_server.url, "anton")

    # when the admin creates an integration token that may post inbound messages
    page.goto(f"{live_server.url}/settings/tokens/")
    expect(page.locator("table.table tbody")).to_have_text("No tokens yet.")
    page.fill("#id_name", "Сайт магазина")
    page.check("input[name=scopes][value='inbound:write']")
    with page.expect_navigation():
        page.click("form.form button.btn-primary")

    # then the raw token is shown once, with how to send it
    banner = page.locator("#new-token")
    expect(banner.locator("p").first).to_have_text(
        "The token “Сайт магазина” was created. Copy it now: it is shown only once."
    )
    raw = banner.locator("pre code").inner_text()
    expect(banner.locator("p.help")).to_have_text(f"Send it as the header Authorization: Bearer {raw}")
    token = ApiToken.objects.get()
    assert token.token_hash == hash_token(raw)
    assert (token.name, token.scopes, token.agent_id, token.prefix) == (
        "Сайт магазина",
        ["inbound:write"],
        None,
        raw[:10],
    )
    row = page.locator(f"#token-{token.pk}")
    expect(row.locator("td").nth(1)).to_have_text(f"{raw[:10]}…")
    expect(row.locator("td").nth(2)).to_have_text("integration")
    expect(row.locator("td").nth(3)).to_have_text("inbound:write")

    # and a second look at the page no longer shows it
    page.goto(f"{live_server.url}/settings/tokens/")
    expect(page.locator(f"#token-{token.pk}")).to_be_visible()
    expect(page.locator("#new-token")).to_have_count(0)
    assert raw not in page.content()

    # when the admin watches the open conversations and the integration posts a message
    page.goto(f"{live_server.url}/inbox/?view=open")
    expect(page.locator("#inbox-list td.empty")).to_have_text("No conversations here.")
    mark_page(page)
    status, body = _post_json(
        f"{live_server.url}/api/v1/inbound/messages",
        raw,
        {
            "idempotency_key": "site-form-7781",
            "customer": {"kind": "email", "value": "Elena.Petrova@example.ru", "name": "Елена Петрова"},
            "subject": "Не пришёл чек",
            "text": "Оплатила заказ 2210, а чек на почту не пришёл.",
        },
    )
    assert status == 201
    conversation = Conversation.objects.get()
    message = Message.objects.get()
    assert body == {"message_id": message.pk, "conversation_id": conversation.pk}
    assert (conversation.channel, conversation.subject, conversation.customer.display_name) == (
        "api",
        "Не пришёл чек",
        "Елена Петрова",
    )
    assert message.text == "Оплатила заказ 2210, а чек на почту не пришёл."

    # and the list's 30 s poll comes due (the page clock jumps; the test does not wait)
    expect(page.locator("#inbox-list td.empty")).to_have_count(1)
    page.clock.fast_forward(31_000)

    # then the new conversation is in the list without a reload
    row = page.locator(f"#conv-{conversation.number}")
    expect(row.locator("td.subject")).to_have_text("Не пришёл чек")
    expect(row.locator("td").nth(2)).to_have_text("Елена Петрова")
    expect(row.locator("td").nth(3)).to_have_text("API")
    expect(row.locator("td").nth(5)).to_have_text("New")
    expect(page.locator("a.view[data-view=open] .count")).to_have_text("1")
    expect(page.locator("#inbox-list .pager .muted")).to_have_text("1 conversation")
    assert was_not_reloaded(page)
    assert page.url == f"{live_server.url}/inbox/?view=open"
    page.screenshot(path=str(shots / "inbox-after-api.png"))
    token.refresh_from_db()
    assert token.last_used_at is not None
