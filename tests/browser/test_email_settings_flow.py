"""An administrator adds a mailbox and tests its connection against real loopback servers; an agent
reads a received email: the new text first, the quoted part and the original HTML behind toggles, and
remote images only after "Show images".
"""

# ruff: noqa: F811 - the server fixtures are imported by name

from __future__ import annotations

from email.message import EmailMessage

from playwright.sync_api import expect

from tests.browser.helpers import BROWSER, log_in, mark_page, wait_for_htmx, was_not_reloaded
from tests.email_servers import (  # noqa: F401 - pytest fixtures
    ImapAccount,
    SmtpServer,
    dovecot,
    imap_account,
    smtp_server,
)
from tests.factories import make_agent, make_store
from zabota.connectors import actions as connector_actions
from zabota.connectors.models import Mailbox
from zabota.conversations import email_inbound
from zabota.conversations.models import Conversation
from zabota.stores.actors import Actor

pytestmark = BROWSER


def test_admin_adds_a_mailbox_and_tests_the_connection(
    live_server, transactional_db, new_context, shots, imap_account: ImapAccount, smtp_server: SmtpServer
):
    # given a store with an administrator
    store = make_store("Домашний уют", slug="uyut")
    make_agent(store, role="admin", tier="l2", name="Антон Админов", username="anton")
    page = new_context().new_page()
    log_in(page, live_server.url, "anton")

    # when the administrator adds a mailbox pointing at the loopback Dovecot and SMTP server
    page.goto(f"{live_server.url}/settings/")
    page.click("nav.settings-nav a:has-text('Email')")
    page.wait_for_url(f"{live_server.url}/settings/email/")
    expect(page.locator("table.table tbody")).to_have_text("No mailboxes yet.")
    page.click("a.btn-primary:has-text('Add a mailbox')")
    page.fill("#id_name", "Поддержка")
    page.fill("#id_address", imap_account.username)
    page.fill("#id_imap_host", imap_account.host)
    page.fill("#id_imap_port", str(imap_account.port))
    page.select_option("#id_imap_security", "none")
    page.fill("#id_imap_username", imap_account.username)
    page.fill("#id_imap_password", imap_account.password)
    page.fill("#id_smtp_host", smtp_server.host)
    page.fill("#id_smtp_port", str(smtp_server.port))
    page.select_option("#id_smtp_security", "none")
    page.fill("#id_smtp_username", smtp_server.username)
    page.fill("#id_smtp_password", smtp_server.password)
    with page.expect_navigation():
        page.click("form.form button.btn-primary")

    # then the edit page never shows the passwords back
    mailbox = Mailbox.objects.get()
    assert page.url == f"{live_server.url}/settings/email/{mailbox.pk}/"
    expect(page.locator("#flash .alert-success")).to_have_text(
        "The mailbox was added. Test the connection below."
    )
    expect(page.locator("#id_imap_password")).to_have_value("")
    assert imap_account.password not in page.content()
    expect(page.locator("#inbound-url")).to_have_text(f"{live_server.url}/api/v1/inbound/email/{mailbox.pk}")

    # when "Test connection" is clicked (an htmx swap, no reload)
    mark_page(page)
    page.click("#connection-test button:has-text('Test connection')")
    wait_for_htmx(page)

    # then every step is OK
    expect(page.locator("#connection-checks .check-summary")).to_have_text("Connection test passed.")
    steps = page.locator("#connection-checks li.check")
    expect(steps).to_have_count(8)
    expect(page.locator("#connection-checks li.check[data-ok='0']")).to_have_count(0)
    expect(steps.nth(1)).to_contain_text("IMAP login — OK")
    assert was_not_reloaded(page)
    page.screenshot(path=str(shots / "email-settings-test-ok.png"), full_page=True)

    # when the IMAP password is replaced by a wrong one and the test runs again
    page.fill("#id_imap_password", "wrong-password")
    with page.expect_navigation():
        page.click("form.form button.btn-primary")
    page.click("#connection-test button:has-text('Test connection')")
    wait_for_htmx(page)

    # then the failing step says what failed
    expect(page.locator("#connection-checks .check-summary")).to_have_text("Connection test failed.")
    failed = page.locator("#connection-checks li.check[data-ok='0']")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("IMAP login — failed")
    expect(page.locator("#connection-checks li.check[data-protocol='smtp'][data-ok='1']")).to_have_count(5)
    page.screenshot(path=str(shots / "email-settings-test-failed.png"), full_page=True)


HTML_EMAIL = """\
<p>Здравствуйте! Вот фото коробки:</p>
<p><img src="https://tracker.example.net/pixel.png" alt="remote"></p>
<blockquote>старое письмо</blockquote>
"""


def test_agent_reads_an_email_with_quoted_text_and_blocked_images(
    live_server, transactional_db, new_context, shots
):
    # given an email received through the HTTP endpoint's path
    store = make_store("Домашний уют", slug="uyut")
    make_agent(store, name="Ольга Агентова", username="olga")
    mailbox = connector_actions.create_mailbox(
        store=store, by=Actor.system(), name="Поддержка", address="support@uyut.test"
    )
    mail = EmailMessage()
    mail["From"] = "Иван <ivan@example.ru>"
    mail["To"] = "support@uyut.test"
    mail["Subject"] = "Коробка помята"
    mail["Message-ID"] = "<box.1@example.ru>"
    mail.set_content(
        "Здравствуйте! Вот фото коробки.\n\n"
        "пн, 23 нояб. 2026 г. в 10:00, Магазин <support@uyut.test>:\n"
        "> Ваш заказ отправлен.\n"
    )
    mail.add_alternative(HTML_EMAIL, subtype="html")
    raw = email_inbound.store_raw_email(mailbox=mailbox, raw=mail.as_bytes(), source="http")
    assert email_inbound.process_raw_email(raw.pk).status == "processed"
    conversation = Conversation.objects.get(store=store)
    page = new_context().new_page()

    # when the agent opens the conversation
    log_in(page, live_server.url, "olga")
    page.goto(f"{live_server.url}/c/{conversation.number}/")

    # then the new text is shown, the quoted part only after expanding it
    body = page.locator(".email-body")
    expect(body).to_have_text("Здравствуйте! Вот фото коробки.")
    quoted = page.locator("details.email-quoted")
    expect(quoted.locator("blockquote")).to_be_hidden()
    quoted.locator("summary").click()
    expect(quoted.locator("blockquote")).to_contain_text("Ваш заказ отправлен.")

    # and the original HTML keeps remote images blocked until "Show images"
    original = page.locator("details.email-original")
    original.locator("summary").click()
    image = original.locator("img[alt='remote']")
    expect(image).to_have_attribute("data-remote-src", "https://tracker.example.net/pixel.png")
    assert image.get_attribute("src") is None
    original.locator("button:has-text('Show images')").click()
    expect(image).to_have_attribute("src", "https://tracker.example.net/pixel.png")
    page.screenshot(path=str(shots / "email-thread-quoted-images.png"), full_page=True)
