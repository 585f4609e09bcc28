"""The RU/EN switch: Russian comes from the browser's language or the cookie, and the buttons flip it.

Tests run with LANGUAGE_CODE="en", so every Russian label here proves that the request asked for ru
(Accept-Language, the ``django_language`` cookie, or a click on RU through ``/i18n/setlang/``).
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.helpers import BROWSER, log_in
from tests.factories import make_agent, make_store

pytestmark = BROWSER

LOGIN_RU = {"h1": "Вход в Zabota", "user": "Логин", "password": "Пароль", "submit": "Войти"}
LOGIN_EN = {"h1": "Log in to Zabota", "user": "Login", "password": "Password", "submit": "Log in"}
INBOX_RU = ["Входящие", "Табло", "Клиенты", "Объявления", "Макросы", "Сценарии", "Настройки", "Вебхуки"]
INBOX_EN = ["Inbox", "Board", "Customers", "Announcements", "Macros", "Scripts", "Settings", "Webhooks"]


def _expect_login(page: Page, lang: str, labels: dict[str, str]) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator(".login-card h1")).to_have_text(labels["h1"])
    expect(page.locator("label[for=id_username]")).to_have_text(labels["user"])
    expect(page.locator("label[for=id_password]")).to_have_text(labels["password"])
    expect(page.locator(".login-card button[type=submit]")).to_have_text(labels["submit"])
    expect(page.locator(f".lang-btn.active[value={lang}]")).to_have_count(1)


def _language_cookie(page: Page) -> str | None:
    values = [c["value"] for c in page.context.cookies() if c["name"] == "django_language"]
    return values[0] if values else None


def test_russian_browser_sees_russian_and_switches_to_english_and_back(
    live_server, transactional_db, new_context
):
    # given an agent whose browser asks for Russian
    store = make_store("Домашний уют", slug="uyut")
    make_agent(store, name="Ольга Агентова", username="olga")
    page = new_context(locale="ru-RU").new_page()

    # when the login page opens, it is in Russian
    page.goto(f"{live_server.url}/login/")
    _expect_login(page, "ru", LOGIN_RU)
    assert _language_cookie(page) is None

    # when the agent clicks EN, the same page comes back in English and the choice is kept in a cookie
    with page.expect_navigation():
        page.click(".lang-btn[value=en]")
    assert page.url == f"{live_server.url}/login/"
    _expect_login(page, "en", LOGIN_EN)
    assert _language_cookie(page) == "en"

    # and the inbox after logging in is English too, although the browser still asks for Russian
    log_in(page, live_server.url, "olga")
    expect(page.locator("nav.mainnav a")).to_have_text(INBOX_EN)
    expect(page.locator("#inbox-filters select[name=channel] option").first).to_have_text("Any channel")
    expect(page.locator("#inbox-filters select[name=status] option").first).to_have_text("Any status")
    expect(page.locator("#inbox-list td.empty")).to_have_text("No conversations here.")
    expect(page.locator(".topbar button.btn-link")).to_have_text("Log out")

    # when the agent clicks RU on the inbox, it comes back in Russian at the same address
    with page.expect_navigation():
        page.click(".lang-btn[value=ru]")
    assert page.url == f"{live_server.url}/inbox/"
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("nav.mainnav a")).to_have_text(INBOX_RU)
    expect(page.locator("#inbox-filters select[name=channel] option").first).to_have_text("Любой канал")
    expect(page.locator("#inbox-filters select[name=status] option").first).to_have_text("Любой статус")
    expect(page.locator("#inbox-list td.empty")).to_have_text("Здесь нет обращений.")
    expect(page.locator(".topbar button.btn-link")).to_have_text("Выйти")
    assert _language_cookie(page) == "ru"


def test_language_cookie_wins_over_an_english_browser(live_server, transactional_db, new_context):
    # given an English browser that chose Russian earlier (the cookie /i18n/setlang/ leaves)
    context = new_context(locale="en-US")
    context.add_cookies([{"name": "django_language", "value": "ru", "url": live_server.url}])
    page = context.new_page()

    # when the login page opens, it is in Russian
    page.goto(f"{live_server.url}/login/")
    _expect_login(page, "ru", LOGIN_RU)

    # and without the cookie the same browser gets English
    context.clear_cookies()
    page.reload()
    _expect_login(page, "en", LOGIN_EN)
