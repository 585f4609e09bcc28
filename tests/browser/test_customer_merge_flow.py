"""A lead finds a duplicate customer, merges it from the profile, then undoes the merge.

The search for the duplicate is an htmx swap (no reload); the confirm page, the merge and the undo are
ordinary form posts that land back on the profile with a message.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import Page, expect

from tests.browser.helpers import BROWSER, log_in, mark_page, was_not_reloaded
from tests.factories import make_agent, make_conversation, make_customer, make_store
from zabota.conversations.models import Conversation, ConversationEvent, EventType
from zabota.customers.models import Customer, CustomerMerge, Identity

pytestmark = BROWSER


def _identities(page: Page) -> list[str]:
    return [
        text.strip() for text in page.locator("#customer-identities li .identity-value").all_inner_texts()
    ]


def _short(moment: datetime | None) -> str:
    """A moment as the page prints it (SHORT_DATETIME_FORMAT in English, local time)."""
    assert moment is not None
    with translation.override("en"):
        return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _conversation_rows(page: Page) -> list[str]:
    return page.locator("#customer-conversations tbody tr").evaluate_all("rows => rows.map(r => r.id)")


def test_lead_merges_a_duplicate_and_undoes_it(live_server, transactional_db, browser_page, shots):
    # given a lead and the same person known twice: by email (a chat) and by another email (a web form)
    store = make_store("Домашний уют", slug="uyut")
    lead = make_agent(store, role="lead", tier="l2", name="Лидия Старшая", username="lidia")
    target = make_customer(store, name="Мария Иванова", email="maria@example.ru")
    source = make_customer(store, name="М. Иванова", email="ivanova.m@mail.example")
    make_customer(store, name="Пётр Сидоров", email="petr@example.ru")
    chat = make_conversation(store, customer=target, channel="chat", text="Где мой заказ 1042?")
    form = make_conversation(store, customer=source, channel="webform", text="Хочу вернуть чайник.")
    page = browser_page
    log_in(page, live_server.url, "lidia")

    # when the lead opens the profile and searches the duplicate (the candidates swap in place)
    page.goto(f"{live_server.url}/customers/{target.pk}/")
    assert _identities(page) == ["maria@example.ru"]
    page.click("text=Merge a duplicate into this customer")
    page.wait_for_url(f"{live_server.url}/customers/{target.pk}/merge/")
    expect(page.locator("h1")).to_have_text("Merge a duplicate into Мария Иванова")
    mark_page(page)
    page.fill("input[name=q]", "иванова")
    candidate = page.locator(f"#candidate-{source.pk}")
    expect(candidate).to_contain_text("М. Иванова")
    expect(candidate.locator("small")).to_have_text("ivanova.m@mail.example · 1 conversation")
    expect(page.locator("#merge-candidates li")).to_have_count(1)
    assert was_not_reloaded(page)

    # and opens the confirm page, which lists what moves
    candidate.locator("a").click()
    page.wait_for_url(f"{live_server.url}/customers/{target.pk}/merge/?other={source.pk}")
    expect(page.locator("h2").first).to_have_text("Confirm the merge")
    moves = page.locator("#merge-moves ul")
    expect(moves.nth(0)).to_have_text("Email: ivanova.m@mail.example")
    expect(moves.nth(1)).to_have_text("none")
    expect(moves.nth(2)).to_have_text(f"#{form.number} Хочу вернуть чайник. — New")
    assert CustomerMerge.objects.count() == 0

    # and merges
    page.click("form button.btn-primary:has-text('Merge')")
    page.wait_for_url(f"{live_server.url}/customers/{target.pk}/")

    # then the merged profile has both identities and both customers' conversations
    expect(page.locator("#flash .alert-success")).to_have_text("М. Иванова was merged into Мария Иванова.")
    assert sorted(_identities(page)) == ["ivanova.m@mail.example", "maria@example.ru"]
    assert sorted(_conversation_rows(page)) == sorted(
        [f"conversation-{chat.number}", f"conversation-{form.number}"]
    )
    merge = CustomerMerge.objects.get()
    history = page.locator(f"#merge-{merge.pk}")
    expect(history).to_have_text(
        f"М. Иванова was merged into Мария Иванова on {_short(merge.created_at)} by Лидия Старшая. Undo merge"
    )
    page.screenshot(path=str(shots / "customer-merged.png"), full_page=True)
    assert (merge.source_id, merge.target_id, merge.merged_by_id, merge.undone_at) == (
        source.pk,
        target.pk,
        lead.pk,
        None,
    )
    assert Customer.objects.get(pk=source.pk).merged_into_id == target.pk
    assert set(Conversation.objects.filter(customer=target).values_list("number", flat=True)) == {
        chat.number,
        form.number,
    }
    assert Identity.objects.filter(customer=target).count() == 2

    # when the lead undoes the merge from the history (and confirms the browser's question)
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        history.locator("button", has_text="Undo merge").click()

    # then the two customers are separate again: identities, conversations and the history say so
    expect(page.locator("#flash .alert-success")).to_have_text(
        "The merge was undone: М. Иванова is a separate customer again."
    )
    assert _identities(page) == ["maria@example.ru"]
    assert _conversation_rows(page) == [f"conversation-{chat.number}"]
    merge.refresh_from_db()
    expect(page.locator(f"#merge-{merge.pk}")).to_have_text(
        f"М. Иванова was merged into Мария Иванова on {_short(merge.created_at)} by Лидия Старшая."
        f" Undone on {_short(merge.undone_at)} by Лидия Старшая."
    )
    expect(page.locator(f"#merge-{merge.pk} button")).to_have_count(0)
    assert merge.undone_at is not None
    assert merge.undone_by_id == lead.pk
    assert Customer.objects.get(pk=source.pk).merged_into_id is None
    assert list(Conversation.objects.filter(customer=source).values_list("number", flat=True)) == [
        form.number
    ]
    assert list(Identity.objects.filter(customer=source).values_list("value", flat=True)) == [
        "ivanova.m@mail.example"
    ]
    assert (
        ConversationEvent.objects.filter(
            conversation__number=form.number, type=EventType.CUSTOMER_CHANGED
        ).count()
        == 2
    )

    # and the duplicate's own profile shows its identity and conversation back
    page.goto(f"{live_server.url}/customers/{source.pk}/")
    assert _identities(page) == ["ivanova.m@mail.example"]
    assert _conversation_rows(page) == [f"conversation-{form.number}"]
