"""Settings the notify app reads at call time (never at import), with their defaults."""

from __future__ import annotations

from django.conf import settings

from zabota.stores.models import Store


def bot_token(store: Store) -> str:
    """The store's Telegram bot token from ``Store.options["telegram"]["bot_token"]``, or ``""``."""
    section = (store.options or {}).get("telegram")
    token = section.get("bot_token") if isinstance(section, dict) else None
    return token if isinstance(token, str) else ""


def telegram_api_url() -> str:
    return str(settings.ZABOTA_TELEGRAM_API_URL)


def telegram_timeout() -> float:
    return float(settings.ZABOTA_TELEGRAM_TIMEOUT_SECONDS)


def absolute_url(url: str) -> str:
    """Links in emails and Telegram messages need the site's address in front of a path."""
    if not url.startswith("/"):
        return url
    base = str(settings.ZABOTA_BASE_URL).rstrip("/")
    return base + url if base else ""
