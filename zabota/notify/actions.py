"""Notify agents, and the writes agents make to their notifications and preferences.

``notify`` is the contract the SLA sweep, queue alerts and announcements call:

    notify(store_id=..., agent_ids=[...], kind="sla.breached", title="...", body="...", url="/c/12/",
           severity="warning" | "critical" | "info", dedupe_key="sla:123:first_response:breached",
           payload={...}) -> int   # number of notifications newly created

It creates one ``Notification`` per agent of that store, unique per (agent, dedupe_key) so a retried task
never notifies twice, publishes it in realtime after commit, queues the email / Telegram deliveries the
agent has enabled and emits the ``notification.created`` outbound webhook.
"""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zabota.core import realtime
from zabota.core.errors import Conflict, InvalidInput, NotFound
from zabota.notify import telegram
from zabota.notify.conf import bot_token, telegram_api_url, telegram_timeout
from zabota.notify.models import (
    Channel,
    DeliveryStatus,
    Notification,
    NotificationDelivery,
    NotificationPreference,
    Severity,
)
from zabota.stores.actors import Actor
from zabota.stores.models import Agent, Store
from zabota.stores.permissions import Perm, require
from zabota.webhooks.actions import emit_many

NOTIFICATION_CREATED = "notification.created"
_KIND = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
_URL = re.compile(r"^(/(?!/)|https?://)")
_SEVERITIES = {s.value for s in Severity}


def audience_of(agent_id: int) -> str:
    """The realtime audience of one agent (group ``store-<store>-agent-<id>``)."""
    return f"agent-{agent_id}"


def _check_input(*, kind: str, title: str, url: str, severity: str, dedupe_key: str) -> None:
    if len(kind) > 60 or not _KIND.match(kind):
        raise InvalidInput(_("A notification kind is lower-case words separated by dots."), field="kind")
    if not title.strip():
        raise InvalidInput(_("A notification needs a title."), field="title")
    if severity not in _SEVERITIES:
        raise InvalidInput(_("Unknown severity: %(value)s.") % {"value": severity}, field="severity")
    if not dedupe_key or len(dedupe_key) > 200:
        raise InvalidInput(_("The dedupe key must have 1 to 200 characters."), field="dedupe_key")
    if url and (len(url) > 500 or not _URL.match(url)):
        raise InvalidInput(_("The link must be a path on this site or an http(s) URL."), field="url")


def notify(
    *,
    store_id: int,
    agent_ids: list[int],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    severity: str = "info",
    dedupe_key: str,
    payload: dict[str, Any] | None = None,
) -> int:
    """Notify the store's active agents among ``agent_ids``; ids of other stores' agents are ignored."""
    _check_input(kind=kind, title=title, url=url, severity=severity, dedupe_key=dedupe_key)
    title = title.strip() if len(title.strip()) <= 200 else title.strip()[:199] + "…"
    wanted = {int(a) for a in agent_ids}
    if not wanted:
        return 0
    with transaction.atomic():
        agents = list(
            Agent.objects.filter(store_id=store_id, pk__in=wanted, is_active=True).values_list(
                "pk", flat=True
            )
        )
        already = set(
            Notification.objects.filter(agent_id__in=agents, dedupe_key=dedupe_key).values_list(
                "agent_id", flat=True
            )
        )
        candidates = [a for a in agents if a not in already]
        if not candidates:
            return 0
        preferences = {
            p.agent_id: p
            for p in NotificationPreference.objects.filter(store_id=store_id, agent_id__in=candidates)
        }
        now = timezone.now()
        batch = uuid.uuid4()
        rows = []
        for agent_id in candidates:
            preference = preferences.get(agent_id)
            silent = preference is not None and (not preference.in_app or preference.mutes(kind))
            rows.append(
                Notification(
                    store_id=store_id,
                    agent_id=agent_id,
                    kind=kind,
                    title=title,
                    body=body,
                    url=url,
                    severity=severity,
                    payload=payload or {},
                    dedupe_key=dedupe_key,
                    batch=batch,
                    created_at=now,
                    # Switched off or muted: kept in the list as history, without lighting the bell.
                    read_at=now if silent else None,
                )
            )
        # A concurrent caller with the same key may win a row between the check and the insert.
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        created = list(
            Notification.objects.filter(agent_id__in=candidates, dedupe_key=dedupe_key, batch=batch)
        )
        deliveries = _deliveries_for(created, preferences)
        if deliveries:
            NotificationDelivery.objects.bulk_create(deliveries)
        emit_many(
            store_id=store_id,
            items=[(NOTIFICATION_CREATED, _webhook_data(n)) for n in created],
        )
        live = [_realtime_payload(n) for n in created if n.read_at is None]
        delivery_ids = [d.pk for d in NotificationDelivery.objects.filter(notification__in=created)]
        transaction.on_commit(lambda: _after_commit(store_id, live, delivery_ids))
    return len(created)


def _deliveries_for(
    created: list[Notification], preferences: dict[int, NotificationPreference]
) -> list[NotificationDelivery]:
    deliveries = []
    for notification in created:
        preference = preferences.get(notification.agent_id)
        if preference is None or preference.mutes(notification.kind):
            continue
        if preference.email:
            deliveries.append(
                NotificationDelivery(
                    store_id=notification.store_id, notification=notification, channel=Channel.EMAIL
                )
            )
        if preference.telegram and preference.telegram_chat_id:
            deliveries.append(
                NotificationDelivery(
                    store_id=notification.store_id, notification=notification, channel=Channel.TELEGRAM
                )
            )
    return deliveries


def _webhook_data(notification: Notification) -> dict[str, Any]:
    return {
        "notification": {
            "id": notification.pk,
            "agent_id": notification.agent_id,
            "kind": notification.kind,
            "title": notification.title,
            "body": notification.body,
            "url": notification.url,
            "severity": notification.severity,
            "payload": notification.payload,
            "dedupe_key": notification.dedupe_key,
            "created_at": notification.created_at.isoformat(),
        }
    }


def _realtime_payload(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "agent_id": notification.agent_id,
        "kind": notification.kind,
        "title": notification.title,
        "url": notification.url,
        "severity": notification.severity,
    }


def _after_commit(store_id: int, live: list[dict[str, Any]], delivery_ids: list[int]) -> None:
    from zabota.notify.tasks import deliver_notification

    for item in live:
        realtime.publish(store_id, NOTIFICATION_CREATED, audience_of(item["agent_id"]), item)
    for delivery_id in delivery_ids:
        deliver_notification.enqueue(store_id=store_id, delivery_id=delivery_id)


# ---------------------------------------------------------------------------------------------------
# An agent's own notifications


def _require_self(by: Actor, agent: Agent) -> None:
    require(by, Perm.WORK_CONVERSATIONS, store=agent.store_id)
    if by.agent is None or by.agent.pk != agent.pk:
        raise NotFound(_("Not found."))


def mark_read(*, agent: Agent, notification_id: int, by: Actor) -> Notification:
    """Mark one of the agent's notifications read; another agent's id is simply not found."""
    _require_self(by, agent)
    notification = Notification.objects.for_agent(agent).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound(_("No such notification."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
        _publish_read(agent, [notification.pk])
    return notification


def mark_all_read(*, agent: Agent, by: Actor) -> int:
    _require_self(by, agent)
    with transaction.atomic():
        unread = Notification.objects.for_agent(agent).unread()
        ids = list(unread.values_list("pk", flat=True))
        count = Notification.objects.filter(pk__in=ids).update(read_at=timezone.now())
        if ids:
            _publish_read(agent, ids)
    return count


def _publish_read(agent: Agent, ids: list[int]) -> None:
    store_id, agent_id = agent.store_id, agent.pk
    transaction.on_commit(
        lambda: realtime.publish(store_id, "notification.read", audience_of(agent_id), {"ids": ids})
    )


def unread_count(agent: Agent) -> int:
    return Notification.objects.for_agent(agent).unread().count()


# ---------------------------------------------------------------------------------------------------
# Preferences and the store's Telegram bot


def preference_of(agent: Agent) -> NotificationPreference:
    """The agent's saved preferences, or unsaved defaults."""
    found = NotificationPreference.objects.filter(agent=agent).first()
    return found or NotificationPreference(store_id=agent.store_id, agent=agent)


def save_preferences(
    *,
    agent: Agent,
    by: Actor,
    in_app: bool,
    email: bool,
    telegram_enabled: bool,
    telegram_chat_id: str,
    kinds_muted: list[str],
) -> NotificationPreference:
    _require_self(by, agent)
    chat_id = telegram_chat_id.strip()
    if chat_id and not telegram.valid_chat_id(chat_id):
        raise InvalidInput(
            _("A Telegram chat id is a number (for example 123456789) or @channel_name."),
            field="telegram_chat_id",
        )
    if telegram_enabled and not chat_id:
        raise InvalidInput(
            _("Enter your Telegram chat id to get notifications there."), field="telegram_chat_id"
        )
    if email and not agent.user.email:
        raise InvalidInput(_("Your user account has no email address."), field="email")
    muted = sorted({k.strip() for k in kinds_muted if k.strip()})
    bad = [k for k in muted if len(k) > 60 or not _KIND.match(k)]
    if bad:
        raise InvalidInput(_("Unknown kinds: %(kinds)s.") % {"kinds": ", ".join(bad)}, field="kinds_muted")
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
            agent=agent, defaults={"store_id": agent.store_id}
        )
        preference.in_app = in_app
        preference.email = email
        preference.telegram = telegram_enabled
        preference.telegram_chat_id = chat_id
        preference.kinds_muted = muted
        preference.save(
            update_fields=["in_app", "email", "telegram", "telegram_chat_id", "kinds_muted", "updated_at"]
        )
    return preference


def retry_delivery(*, agent: Agent, delivery_id: int, by: Actor) -> NotificationDelivery:
    """Queue one of the agent's failed email / Telegram deliveries again."""
    _require_self(by, agent)
    delivery = NotificationDelivery.objects.filter(
        store_id=agent.store_id, notification__agent=agent, pk=delivery_id
    ).first()
    if delivery is None:
        raise NotFound(_("No such delivery."))
    if delivery.status != DeliveryStatus.FAILED:
        raise Conflict(_("Only a failed delivery can be sent again."))
    NotificationDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.FAILED).update(
        next_attempt_at=None, updated_at=timezone.now()
    )
    store_id = agent.store_id

    def _enqueue() -> None:
        from zabota.notify.tasks import deliver_notification

        deliver_notification.enqueue(store_id=store_id, delivery_id=delivery_id)

    transaction.on_commit(_enqueue)
    return delivery


def set_telegram_bot_token(*, store: Store, token: str, by: Actor) -> None:
    """Save (or, with an empty token, remove) the store's bot token in ``Store.options["telegram"]``."""
    require(by, Perm.MANAGE_STORE, store=store)
    token = token.strip()
    if token and not telegram.valid_token(token):
        raise InvalidInput(
            _("This does not look like a bot token from @BotFather (digits, a colon, then letters)."),
            field="bot_token",
        )
    with transaction.atomic():
        # Lock the row: other parts keep their own keys in ``options``.
        locked = Store.objects.select_for_update().get(pk=store.pk)
        options = dict(locked.options or {})
        section = dict(options.get("telegram") or {})
        if token:
            section["bot_token"] = token
        else:
            section.pop("bot_token", None)
        options["telegram"] = section
        locked.options = options
        locked.save(update_fields=["options", "updated_at"])
    store.options = options


def send_test_telegram(*, agent: Agent, by: Actor, chat_id: str | None = None) -> telegram.SentMessage:
    """Send a test message now; the error says exactly what is wrong (no token, bad chat id, Telegram's answer)."""
    _require_self(by, agent)
    store = Store.objects.get(pk=agent.store_id)
    token = bot_token(store)
    if not token:
        raise InvalidInput(
            _("The store has no Telegram bot token yet; an administrator enters it on this page."),
            code="no_bot_token",
        )
    chat = (chat_id if chat_id is not None else preference_of(agent).telegram_chat_id).strip()
    if not chat:
        raise InvalidInput(_("Enter your Telegram chat id first."), field="telegram_chat_id")
    if not telegram.valid_chat_id(chat):
        raise InvalidInput(
            _("A Telegram chat id is a number (for example 123456789) or @channel_name."),
            field="telegram_chat_id",
        )
    text = _("Test message from Zabota: notifications for %(name)s in %(store)s will arrive here.") % {
        "name": agent.display_name,
        "store": store.name,
    }
    try:
        return telegram.send_message(
            token=token,
            chat_id=chat,
            text=html.escape(text, quote=False),
            api_url=telegram_api_url(),
            timeout=telegram_timeout(),
        )
    except telegram.TelegramError as exc:
        if exc.code is None:
            message = _("Telegram could not be reached: %(error)s") % {"error": exc.description}
        else:
            message = _("Telegram answered %(code)s: %(error)s") % {
                "code": exc.code,
                "error": exc.description,
            }
        raise InvalidInput(message, field="telegram_chat_id", code="telegram_error") from None
