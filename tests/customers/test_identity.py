"""Normalising identities: a table of inputs and their canonical forms, and what is refused."""

from __future__ import annotations

import pytest

from zabota.core.errors import InvalidInput
from zabota.customers.identity import normalize


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("phone", "8 (916) 123-45-67", "+79161234567"),
        ("phone", "+7 916 123 45 67", "+79161234567"),
        ("phone", "89161234567", "+79161234567"),
        ("phone", "9161234567", "+79161234567"),
        ("phone", " +7(495)111-22-33 ", "+74951112233"),
        ("phone", "8 800 555-35-35", "+78005553535"),
        ("phone", "+375 29 123-45-67", "+375291234567"),
        ("whatsapp", "8-916-123-45-67", "+79161234567"),
        ("email", "ИВАН@Пример.РФ", "иван@xn--e1afmkfd.xn--p1ai"),
        ("email", "  Ivan.Petrov+shop@Mail.RU ", "ivan.petrov+shop@mail.ru"),
        ("email", "olga@магазин.рф", "olga@xn--80aairftm.xn--p1ai"),
        ("telegram", "@Ivan_Petrov", "ivan_petrov"),
        ("telegram", "123456789", "123456789"),
        ("telegram", "-1001234567890", "-1001234567890"),
        ("vk", " id12345 ", "id12345"),
        ("visitor", "v-3f2a", "v-3f2a"),
        ("external", "CRM-001", "CRM-001"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_normalize(kind, value, expected):
    assert normalize(kind, value) == expected


@pytest.mark.parametrize(
    ("kind", "value", "field"),
    [
        ("email", "ivan", "email"),
        ("email", "ivan@", "email"),
        ("email", "ivan@mail", "email"),
        ("email", "ivan@mail.r", "email"),
        ("email", "iv an@mail.ru", "email"),
        ("email", "ivan@@mail.ru", "email"),
        ("email", "<ivan>@mail.ru", "email"),
        ("email", "a" * 250 + "@mail.ru", "email"),
        ("phone", "12", "phone"),
        ("phone", "позвоните мне", "phone"),
        ("phone", "+7 916 123", "phone"),
        ("whatsapp", "123456789012345678", "phone"),
        ("email", "", "value"),
        ("phone", "   ", "value"),
        ("pigeon", "1", "kind"),
        ("external", "x" * 255, "value"),
    ],
    ids=[
        "email-no-at",
        "email-no-domain",
        "email-no-tld",
        "email-short-tld",
        "email-space",
        "email-two-ats",
        "email-brackets",
        "email-too-long",
        "phone-short",
        "phone-words",
        "phone-incomplete",
        "whatsapp-too-long",
        "empty",
        "blank",
        "unknown-kind",
        "too-long",
    ],
)
def test_invalid(kind, value, field):
    with pytest.raises(InvalidInput) as caught:
        normalize(kind, value)
    assert caught.value.field == field


def test_non_string_value():
    with pytest.raises(InvalidInput) as caught:
        normalize("email", 42)  # type: ignore[arg-type]
    assert caught.value.field == "value"
