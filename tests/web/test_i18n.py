"""Russian is the product's first language, English the switch; the catalogue is complete and compiled.

The suite runs in English (``config/test_settings.py``), so these tests set the product default back.
"""

from __future__ import annotations

import ast
import gettext
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone, translation

from tests.factories import make_conversation
from zabota.conversations.views.present import waiting_label

pytestmark = pytest.mark.django_db

CATALOGUE = Path(django_settings.LOCALE_PATHS[0]) / "ru" / "LC_MESSAGES"
VIEW_TAB = re.compile(r'data-view="(\w+)">([^<]+?) <span class="count">')
STATUS_BADGE = re.compile(r'<span class="badge status-new">([^<]+)</span>')
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+(?:\.\w+)?\}")


@pytest.fixture
def russian_default(settings):
    settings.LANGUAGE_CODE = "ru"


@pytest.fixture
def lead_client(client, store, lead):
    make_conversation(store, text="Где мой заказ?")
    client.force_login(lead.user)
    return client


def _tabs(response) -> list[tuple[str, str]]:
    return VIEW_TAB.findall(response.content.decode())


def test_product_settings_default_to_russian():
    import config.settings as product_settings

    assert product_settings.LANGUAGE_CODE == "ru"
    assert [code for code, _name in product_settings.LANGUAGES] == ["ru", "en"]


def test_inbox_renders_in_russian_by_default(russian_default, lead_client):
    response = lead_client.get(reverse("inbox"), {"view": "open"})

    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ru">' in body
    assert _tabs(response) == [
        ("mine", "Мои"),
        ("unassigned", "Без ответственного"),
        ("team", "Моя команда"),
        ("open", "Все открытые"),
        ("pending", "Ожидают"),
        ("solved", "Решённые"),
    ]
    assert STATUS_BADGE.findall(body) == ["Новое"]
    assert '<option value="pending">Ожидает ответа клиента</option>' in body
    assert '<option value="urgent">Срочный</option>' in body
    assert "1 обращение" in body


def test_setlang_switches_the_inbox_to_english(russian_default, lead_client):
    # when
    switched = lead_client.post("/i18n/setlang/", {"language": "en", "next": reverse("inbox")})
    response = lead_client.get(reverse("inbox"), {"view": "open"})

    # then
    body = response.content.decode()
    assert switched.status_code == 302
    assert switched["Location"] == reverse("inbox")
    assert lead_client.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in body
    assert _tabs(response) == [
        ("mine", "Mine"),
        ("unassigned", "Unassigned"),
        ("team", "My team"),
        ("open", "All open"),
        ("pending", "Pending"),
        ("solved", "Solved"),
    ]
    assert STATUS_BADGE.findall(body) == ["New"]
    assert "1 conversation" in body


def test_main_navigation_links_every_section(russian_default, lead_client):
    body = lead_client.get(reverse("inbox")).content.decode()

    nav = body[body.index('<nav class="mainnav"') : body.index("</nav>")]
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)
    assert links == [
        ("/inbox/", "Входящие"),
        ("/board/", "Табло"),
        ("/customers/", "Клиенты"),
        ("/announcements/", "Объявления"),
        ("/settings/macros/", "Макросы"),
        ("/settings/scripts/", "Сценарии"),
        ("/settings/", "Настройки"),
        ("/settings/webhooks/", "Вебхуки"),
    ]


def test_conversation_sidebar_links_the_customer_profile(russian_default, client, store, lead):
    conversation = make_conversation(store, text="Здравствуйте!")
    client.force_login(lead.user)

    body = client.get(reverse("conversation", args=[conversation.number])).content.decode()

    profile_url = reverse("customers:detail", args=[conversation.customer_id])
    assert f'<h2><a href="{profile_url}">{conversation.customer.display_name}</a></h2>' in body
    assert "История изменений" in body


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        pytest.param(0, "ждёт меньше минуты", id="under-a-minute"),
        pytest.param(1, "ждёт 1 минуту", id="one"),
        pytest.param(2, "ждёт 2 минуты", id="few"),
        pytest.param(5, "ждёт 5 минут", id="many"),
        pytest.param(11, "ждёт 11 минут", id="eleven"),
        pytest.param(21, "ждёт 21 минуту", id="twenty-one"),
        pytest.param(22 * 60, "ждёт 22 часа", id="hours-few"),
        pytest.param(25 * 24 * 60, "ждёт 25 дней", id="days-many"),
    ],
)
def test_waiting_label_uses_russian_plural_forms(minutes, expected):
    now = timezone.now()

    with translation.override("ru"):
        label = waiting_label(now - timedelta(minutes=minutes), now)

    assert label == expected


# --- the catalogue itself -------------------------------------------------------------------


def _po_entries(path: Path) -> list[dict[str, object]]:
    """A small reader of the .po format: flags, msgctxt, msgid, msgid_plural and msgstr forms."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry: dict[str, object] = {"flags": [], "strings": {}}
        strings: dict[str, list[str]] = entry["strings"]  # type: ignore[assignment]
        key = ""
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] = [flag.strip() for flag in line[2:].split(",")]
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                strings[key].append(ast.literal_eval(line))
            else:
                key, _space, value = line.partition(" ")
                strings[key] = [ast.literal_eval(value)]
        entry["strings"] = {name: "".join(parts) for name, parts in strings.items()}
        entries.append(entry)
    return entries


def _messages() -> list[dict[str, object]]:
    return [e for e in _po_entries(CATALOGUE / "django.po") if e["strings"]["msgid"]]  # type: ignore[index]


def test_catalogue_header_declares_three_russian_plural_forms():
    header = _po_entries(CATALOGUE / "django.po")[0]

    msgstr: str = header["strings"]["msgstr"]  # type: ignore[index]
    assert header["flags"] == []
    assert "Language: ru\n" in msgstr
    assert "Plural-Forms: nplurals=3;" in msgstr


def test_catalogue_has_no_untranslated_and_no_fuzzy_entries():
    messages = _messages()

    fuzzy = [e["strings"]["msgid"] for e in messages if "fuzzy" in e["flags"]]  # type: ignore[index,operator]
    untranslated = [
        s["msgid"]
        for s in (e["strings"] for e in messages)
        if any(not value for name, value in s.items() if name.startswith("msgstr"))  # type: ignore[union-attr]
    ]
    plural_forms = {
        len([name for name in s if name.startswith("msgstr[")])  # type: ignore[union-attr]
        for s in (e["strings"] for e in messages)
        if "msgid_plural" in s  # type: ignore[operator]
    }
    assert len(messages) > 500
    assert fuzzy == []
    assert untranslated == []
    assert plural_forms == {3}


def test_translations_keep_every_placeholder():
    broken = []
    for entry in _messages():
        strings: dict[str, str] = entry["strings"]  # type: ignore[assignment]
        expected = sorted(set(PLACEHOLDER.findall(strings["msgid"] + strings.get("msgid_plural", ""))))
        for name, value in strings.items():
            if name.startswith("msgstr") and sorted(set(PLACEHOLDER.findall(value))) != expected:
                broken.append((strings["msgid"], name))
    assert broken == []


def test_compiled_catalogue_matches_the_po_file():
    with (CATALOGUE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    stale = []
    for entry in _messages():
        strings: dict[str, str] = entry["strings"]  # type: ignore[assignment]
        msgid = strings["msgid"]
        if "msgctxt" in strings:
            msgid = f"{strings['msgctxt']}\x04{msgid}"
        if "msgid_plural" in strings:
            got = compiled.ngettext(msgid, strings["msgid_plural"], 5)
            want = strings["msgstr[2]"]
        else:
            got, want = compiled.gettext(msgid), strings["msgstr"]
        if got != want:
            stale.append(strings["msgid"])
    assert stale == []
