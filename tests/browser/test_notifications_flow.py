"""Notifications and failed tasks in a real browser.

An agent's bell counts what ``notify`` created for her (not a colleague's, not another store's); the list
marks one read with an htmx swap that also updates the bell, then all; her preferences keep a Telegram
chat id and refuse a malformed one without losing the form. An administrator discards a failed task.
"""

from __future__ import annotations

import re

from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.helpers import BROWSER, log_in, mark_page, wait_for_htmx, was_not_reloaded
from tests.factories import make_agent, make_store
from zabota.core.models import DeadLetter
from zabota.notify.actions import notify
from zabota.notify.models import Notification, NotificationPreference

pytestmark = BROWSER


def test_bell_counts_marks_read_and_preferences_keep_the_telegram_chat(
    live_server, transactional_db, browser_page, shots
):
    store = make_store("Домашний уют", slug="uyut")
    olga = make_agent(store, name="Ольга Агентова", username="olga")
    petr = make_agent(store, name="Пётр Коллегов", username="petr")
    elsewhere = make_agent(make_store("Чужой магазин"), name="Чужой агент")
    for number, title in ((7, "Первый ответ по #7 просрочен"), (8, "Первый ответ по #8 скоро истечёт")):
        assert (
            notify(
                store_id=store.pk,
                agent_ids=[olga.pk, elsewhere.pk],
                kind="sla.breached",
                title=title,
                body="Политика «Чаты»: 5 минут.",
                url=f"/c/{number}/",
                severity="warning",
                dedupe_key=f"sla:first_response:{number}",
            )
            == 1
        )
    notify(
        store_id=store.pk, agent_ids=[petr.pk], kind="queue.unassigned", title="Только Петру", dedupe_key="q1"
    )
    mine = list(Notification.objects.filter(agent=olga).order_by("-created_at", "-id"))
    page = browser_page

    # when the agent logs in, the bell shows her two unread notifications
    log_in(page, live_server.url, "olga")
    expect(page.locator("#bell-count .bell-badge")).to_have_text("2")

    # and the list shows both (and nothing of her colleague's)
    page.click("#bell")
    page.wait_for_url(f"{live_server.url}/notifications/")
    mark_page(page)
    items = page.locator("#notifications li.notification")
    expect(items).to_have_count(2)
    expect(page.locator("#notifications")).not_to_contain_text("Только Петру")
    expect(page.locator("#notifications li.unread")).to_have_count(2)
    expect(page.locator("#notifications")).to_contain_text("Первый ответ по #7 просрочен")
    expect(page.locator(f"#notification-{mine[0].pk} code")).to_have_text("sla.breached")
    page.screenshot(path=str(shots / "notifications.png"), full_page=True)

    # when she marks one read
    wait_for_htmx(page)
    page.click(f"#notification-{mine[0].pk} button:has-text('Mark read')")

    # then that item is swapped, the bell follows, and nothing reloaded
    expect(page.locator(f"#notification-{mine[0].pk}")).not_to_have_class(re.compile(r"\bunread\b"))
    expect(page.locator(f"#notification-{mine[0].pk} button")).to_have_count(0)
    expect(page.locator("#bell-count .bell-badge")).to_have_text("1")
    assert was_not_reloaded(page)
    assert Notification.objects.get(pk=mine[0].pk).read_at is not None
    assert Notification.objects.get(pk=mine[1].pk).read_at is None

    # when she marks all read, the bell goes dark
    page.click("button:has-text('Mark all read')")
    expect(page.locator("#flash .alert-success")).to_contain_text("marked read")
    expect(page.locator("#notifications li.unread")).to_have_count(0)
    expect(page.locator("#bell-count")).to_have_text("")
    expect(page.locator(".content")).to_contain_text("0 unread.")
    assert not Notification.objects.filter(agent=olga, read_at__isnull=True).exists()
    assert Notification.objects.filter(agent=petr, read_at__isnull=True).count() == 1

    # when she turns on Telegram with a malformed chat id, the form says so and keeps her input
    page.click(".settings-nav a:has-text('My notifications')")
    page.wait_for_url(f"{live_server.url}/notifications/preferences/")
    page.check("#id_telegram")
    page.fill("#id_telegram_chat_id", "мой телеграм")
    page.click("#preferences-form button.btn-primary")
    expect(page.locator("#preferences-form")).to_contain_text(
        "A Telegram chat id is a number (for example 123456789) or @channel_name."
    )
    expect(page.locator("#id_telegram_chat_id")).to_have_value("мой телеграм")
    expect(page.locator("#id_telegram")).to_be_checked()
    assert not NotificationPreference.objects.filter(agent=olga, telegram=True).exists()

    # and with a numeric chat id it is saved and shown again
    page.fill("#id_telegram_chat_id", "123456789")
    page.click("#preferences-form button.btn-primary")
    expect(page.locator("#flash .alert-success")).to_have_text("Notification preferences saved.")
    expect(page.locator("#id_telegram_chat_id")).to_have_value("123456789")
    expect(page.locator("#id_telegram")).to_be_checked()
    preference = NotificationPreference.objects.get(agent=olga)
    assert (preference.telegram, preference.telegram_chat_id, preference.in_app) == (True, "123456789", True)


def _dead_letter(store, error: str) -> DeadLetter:
    now = timezone.now()
    return DeadLetter.objects.create(
        store=store,
        task_path="zabota.notify.tasks.deliver_notification",
        kwargs={"delivery_id": 41},
        exception_class="builtins.RuntimeError",
        error=error,
        traceback=f"Traceback (most recent call last):\nRuntimeError: {error}",
        attempts=5,
        first_failed_at=now,
        last_failed_at=now,
    )


def test_admin_discards_a_failed_task(live_server, transactional_db, browser_page):
    store = make_store("Домашний уют", slug="uyut")
    make_agent(store, role="admin", name="Анна Админова", username="anna")
    letter = _dead_letter(store, "Telegram API: 401 Unauthorized")
    theirs = _dead_letter(make_store("Чужой магазин"), "Чужая ошибка")
    page = browser_page
    log_in(page, live_server.url, "anna")

    # when the administrator opens the failed tasks page, she sees her store's failure only
    page.goto(f"{live_server.url}/settings/tasks/")
    row = page.locator(f"#dead-letter-{letter.pk}")
    expect(row.locator("code").first).to_have_text("deliver_notification")
    expect(row.locator("summary")).to_have_text("Telegram API: 401 Unauthorized")
    expect(row.locator("td").nth(3)).to_have_text("5")
    expect(page.locator(f"#dead-letter-{theirs.pk}")).to_have_count(0)
    expect(page.locator(".content")).not_to_contain_text("Чужая ошибка")

    # when she discards it
    row.locator("button:has-text('Discard')").click()

    # then it leaves the open list, and the handled view shows who discarded it
    expect(page.locator("#flash .alert-success")).to_have_text("The failed task was discarded.")
    expect(page.locator(f"#dead-letter-{letter.pk}")).to_have_count(0)
    expect(page.locator("table.table tbody")).to_contain_text("No failed tasks.")
    letter.refresh_from_db()
    assert (letter.status, letter.resolved_by) == ("discarded", "Анна Админова")
    page.click("a:has-text('Show handled too')")
    expect(row.locator("td").nth(4)).to_contain_text("Discarded")
    expect(row.locator("td").nth(4)).to_contain_text("Анна Админова")
    expect(row.locator("button")).to_have_count(0)
    theirs.refresh_from_db()
    assert theirs.status == "open"


def test_mark_all_read_says_one_notification_in_the_singular(live_server, transactional_db, browser_page):
    store = make_store("Домашний уют", slug="uyut")
    olga = make_agent(store, name="Ольга Агентова", username="olga")
    notify(store_id=store.pk, agent_ids=[olga.pk], kind="queue.unassigned", title="Очередь", dedupe_key="q1")
    page = browser_page
    log_in(page, live_server.url, "olga")
    page.goto(f"{live_server.url}/notifications/")
    page.click("button:has-text('Mark all read')")
    expect(page.locator("#flash .alert-success")).to_have_text("1 notification marked read.", timeout=3_000)
