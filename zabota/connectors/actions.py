"""Mailboxes of a store: create, change, delete, rotate the inbound secret, test the connection.

Passwords are write-only: an empty password on update keeps the saved one, and nothing here ever
returns one to a page.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from zabota.core.errors import Conflict, InvalidInput
from zabota.stores.actors import Actor
from zabota.stores.models import Store
from zabota.stores.permissions import Perm, require

from .models import Mailbox, Security

MIN_POLL_INTERVAL_SECONDS = 10
MAX_POLL_INTERVAL_SECONDS = 86_400

# The settings an administrator edits; passwords are handled apart (write-only).
EDITABLE_FIELDS = (
    "name",
    "address",
    "from_name",
    "is_active",
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_username",
    "imap_folder",
    "poll_interval_seconds",
    "use_idle",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_username",
    "max_messages_per_sender_per_hour",
)
_SECURITIES = {s.value for s in Security}


@dataclass(frozen=True, slots=True)
class ConnectionCheck:
    """One step of "test connection" as the page shows it."""

    protocol: str  # imap | smtp
    step: str
    ok: bool
    detail: str


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Trim and check the settings; raise ``InvalidInput`` naming the first bad field."""
    cleaned = dict(values)
    for key in ("name", "address", "from_name", "imap_host", "imap_username", "imap_folder"):
        cleaned[key] = str(cleaned.get(key) or "").strip()
    for key in ("smtp_host", "smtp_username"):
        cleaned[key] = str(cleaned.get(key) or "").strip()
    cleaned["address"] = cleaned["address"].lower()
    if not cleaned["name"]:
        raise InvalidInput(_("Give the mailbox a name."), field="name")
    try:
        validate_email(cleaned["address"])
    except DjangoValidationError:
        raise InvalidInput(_("Enter a valid email address."), field="address") from None
    for prefix in ("imap", "smtp"):
        port = cleaned.get(f"{prefix}_port")
        if not isinstance(port, int) or not 1 <= port <= 65535:
            raise InvalidInput(_("A port is a number from 1 to 65535."), field=f"{prefix}_port")
        if cleaned.get(f"{prefix}_security") not in _SECURITIES:
            raise InvalidInput(_("Choose how the connection is secured."), field=f"{prefix}_security")
        host = cleaned[f"{prefix}_host"]
        if host and (" " in host or "/" in host):
            raise InvalidInput(_("Enter a host name or an IP address."), field=f"{prefix}_host")
    if cleaned["imap_host"] and not cleaned["imap_username"]:
        raise InvalidInput(_("IMAP needs a user name."), field="imap_username")
    if not cleaned["imap_folder"]:
        cleaned["imap_folder"] = "INBOX"
    interval = cleaned.get("poll_interval_seconds")
    if (
        not isinstance(interval, int)
        or not MIN_POLL_INTERVAL_SECONDS <= interval <= MAX_POLL_INTERVAL_SECONDS
    ):
        raise InvalidInput(
            _("Check for new mail every %(low)d to %(high)d seconds.")
            % {"low": MIN_POLL_INTERVAL_SECONDS, "high": MAX_POLL_INTERVAL_SECONDS},
            field="poll_interval_seconds",
        )
    limit = cleaned.get("max_messages_per_sender_per_hour")
    if not isinstance(limit, int) or limit < 1:
        raise InvalidInput(
            _("Allow at least one message per sender per hour."), field="max_messages_per_sender_per_hour"
        )
    return cleaned


def _ensure_unique_address(store: Store, address: str, exclude: int | None = None) -> None:
    taken = Mailbox.objects.for_store(store).filter(address=address)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise Conflict(_("This store already has a mailbox with this address."), field="address")


def create_mailbox(
    *, store: Store, by: Actor, imap_password: str = "", smtp_password: str = "", **settings: Any
) -> Mailbox:
    require(by, Perm.MANAGE_STORE, store=store)
    unknown = set(settings) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown mailbox settings: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    defaults = {f.name: f.get_default() for f in Mailbox._meta.get_fields() if f.name in EDITABLE_FIELDS}  # type: ignore[union-attr]
    cleaned = _clean({**defaults, **settings})
    with transaction.atomic():
        _ensure_unique_address(store, cleaned["address"])
        return Mailbox.objects.create(
            store=store, imap_password=imap_password, smtp_password=smtp_password, **cleaned
        )


def update_mailbox(
    *,
    mailbox: Mailbox,
    by: Actor,
    imap_password: str | None = None,
    smtp_password: str | None = None,
    **settings: Any,
) -> Mailbox:
    """Change settings; a password of ``None`` or ``""`` keeps the saved one."""
    require(by, Perm.MANAGE_STORE, store=mailbox.store_id)
    unknown = set(settings) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown mailbox settings: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    current = {name: getattr(mailbox, name) for name in EDITABLE_FIELDS}
    cleaned = _clean({**current, **settings})
    with transaction.atomic():
        _ensure_unique_address(mailbox.store, cleaned["address"], exclude=mailbox.pk)
        for name, value in cleaned.items():
            setattr(mailbox, name, value)
        fields = [*EDITABLE_FIELDS, "updated_at"]
        if imap_password:
            mailbox.imap_password = imap_password
            fields.append("imap_password")
        if smtp_password:
            mailbox.smtp_password = smtp_password
            fields.append("smtp_password")
        mailbox.save(update_fields=fields)
    return mailbox


def delete_mailbox(*, mailbox: Mailbox, by: Actor) -> None:
    """Remove the mailbox; its stored raw emails stay (their mailbox becomes empty)."""
    require(by, Perm.MANAGE_STORE, store=mailbox.store_id)
    mailbox.delete()


def rotate_inbound_secret(*, mailbox: Mailbox, by: Actor) -> Mailbox:
    """A new secret for the HTTP endpoint; the old one stops working at once."""
    require(by, Perm.MANAGE_STORE, store=mailbox.store_id)
    mailbox.inbound_secret = secrets.token_urlsafe(32)
    mailbox.save(update_fields=["inbound_secret", "updated_at"])
    return mailbox


Checker = Callable[[Mailbox], list[Any]]


def _imap_checks(mailbox: Mailbox) -> list[Any]:
    from zabota.connectors.email import imap

    settings = imap.ImapSettings(
        host=mailbox.imap_host,
        port=mailbox.imap_port,
        security=mailbox.imap_security,
        username=mailbox.imap_username,
        password=mailbox.imap_password,
        folder=mailbox.imap_folder or "INBOX",
    )
    return list(imap.test_connection(settings))


def _smtp_checks(mailbox: Mailbox) -> list[Any]:
    from zabota.connectors.email import smtp

    return list(smtp.test_connection(smtp.SmtpSettings.from_mailbox(mailbox)))


def check_connection(
    *, mailbox: Mailbox, by: Actor, imap: Checker = _imap_checks, smtp: Checker = _smtp_checks
) -> list[ConnectionCheck]:
    """Connect to the mailbox's IMAP and SMTP servers step by step; never raises for a server's failure."""
    require(by, Perm.MANAGE_STORE, store=mailbox.store_id)
    checks: list[ConnectionCheck] = []
    for protocol, host, run in (("imap", mailbox.imap_host, imap), ("smtp", mailbox.smtp_host, smtp)):
        if not host:
            checks.append(ConnectionCheck(protocol, _("configured"), ok=True, detail=_("not used")))
            continue
        try:
            results = run(mailbox)
        except Exception as exc:  # noqa: BLE001 - a broken check must still produce a visible line
            checks.append(
                ConnectionCheck(protocol, _("connect"), ok=False, detail=f"{type(exc).__name__}: {exc}")
            )
            continue
        checks.extend(
            ConnectionCheck(
                protocol,
                str(getattr(r, "step", "")),
                ok=bool(getattr(r, "ok", False)),
                detail=str(getattr(r, "detail", "")),
            )
            for r in results
        )
    return checks
