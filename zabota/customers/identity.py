"""Normalising identities (pure): emails lower-cased, phones to E.164, ids trimmed."""

from __future__ import annotations

import re
from enum import StrEnum

import phonenumbers
from django.utils.translation import gettext as _

from zabota.core.errors import InvalidInput

_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\".]{2,}$")
_MAX_VALUE = 254


class IdentityKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    TELEGRAM = "telegram"
    VK = "vk"
    WHATSAPP = "whatsapp"
    VISITOR = "visitor"
    EXTERNAL = "external"


def normalize_email(value: str) -> str:
    email = value.strip().lower()
    if len(email) > _MAX_VALUE or not _EMAIL.match(email):
        raise InvalidInput(
            _("“%(value)s” is not a valid email address.") % {"value": value[:80]}, field="email"
        )
    local, _sep, domain = email.rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InvalidInput(
            _("“%(value)s” is not a valid email address.") % {"value": value[:80]}, field="email"
        ) from exc
    return f"{local}@{domain}"


def normalize_phone(value: str, region: str = "RU") -> str:
    raw = value.strip()
    if raw.startswith("8") and len(re.sub(r"\D", "", raw)) == 11 and region == "RU":
        raw = "+7" + re.sub(r"\D", "", raw)[1:]
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(
            _("“%(value)s” is not a valid phone number.") % {"value": value[:40]}, field="phone"
        ) from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidInput(
            _("“%(value)s” is not a valid phone number.") % {"value": value[:40]}, field="phone"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize(kind: str, value: str, *, region: str = "RU") -> str:
    """Return the canonical form of ``value`` for ``kind`` or raise ``InvalidInput``."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(_("The identity value is empty."), field="value")
    try:
        identity_kind = IdentityKind(kind)
    except ValueError as exc:
        raise InvalidInput(
            _("Unknown identity kind “%(kind)s”.") % {"kind": str(kind)[:40]}, field="kind"
        ) from exc
    if identity_kind is IdentityKind.EMAIL:
        return normalize_email(value)
    if identity_kind in (IdentityKind.PHONE, IdentityKind.WHATSAPP):
        return normalize_phone(value, region)
    cleaned = value.strip()
    if identity_kind is IdentityKind.TELEGRAM:
        cleaned = cleaned.lstrip("@").lower() if not cleaned.lstrip("-").isdigit() else cleaned
    if len(cleaned) > _MAX_VALUE:
        raise InvalidInput(_("The identity value is too long."), field="value")
    return cleaned
