"""Queue alerts: problems of the queue itself rather than of one service target.

Every minute, per store, with the thresholds of ``Store.options["queue_alerts"]`` (read through
``zabota.stores.options.queue_alert_options``; 0 switches an alert off):

- ``unassigned_minutes`` (10): an active conversation without an owner this long after it opened -> the leads;
- ``chat_wait_seconds`` (60): a chat whose customer waits this long for the first answer -> the first line
  (assignee, else the team, else the online agents); ``chat_escalate_seconds`` (300) -> the leads too;
- ``max_transfers`` (2): a conversation transferred more often than this (the "ping-pong" between experts)
  -> the leads.

Each condition is told once per conversation (dedupe key ``queue:<condition>:<conversation id>``). Only
conversations that crossed a threshold within the last ``LOOKBACK`` are looked at, so a store with a
large neglected backlog does not cost a scan per minute; a worker that was down longer than that does not
alert about the old ones.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from zabota.conversations.models import Channel, Conversation, Status
from zabota.conversations.models.conversation import ACTIVE_STATUSES
from zabota.conversations.sweep import Directory, conversation_url
from zabota.notify.actions import notify
from zabota.notify.models import Notification
from zabota.stores.models import Store
from zabota.stores.options import QueueAlertOptions, queue_alert_options

LOOKBACK = timedelta(hours=24)
WAITING_FOR_OWNER = (Status.NEW, Status.OPEN)
_COUNTERS = {
    "unassigned": "unassigned",
    "chat_wait": "chat_waiting",
    "chat_escalate": "chat_escalated",
    "transfers": "transfers",
}
_FIELDS = (
    "id",
    "number",
    "subject",
    "team_id",
    "assignee_id",
    "created_at",
    "waiting_since",
    "transfer_count",
)


@dataclass
class QueueAlertResult:
    stores: int = 0
    unassigned: int = 0
    chat_waiting: int = 0
    chat_escalated: int = 0
    transfers: int = 0
    notified: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Alert:
    condition: str  # "unassigned" | "chat_wait" | "chat_escalate" | "transfers"
    conversation: dict[str, Any]
    recipients: list[int]
    severity: str

    @property
    def dedupe_key(self) -> str:
        return f"queue:{self.condition}:{self.conversation['id']}"


def check_queues(now: datetime | None = None) -> QueueAlertResult:
    """Look at every store's queue once; idempotent (an alert already sent is not sent again)."""
    now = now or timezone.now()
    result = QueueAlertResult()
    for store in Store.objects.only("id", "locale", "options").order_by("pk"):
        result.stores += 1
        check_store_queue(store, now=now, result=result)
    return result


def check_store_queue(
    store: Store, *, now: datetime, result: QueueAlertResult | None = None
) -> QueueAlertResult:
    result = result or QueueAlertResult()
    options = queue_alert_options(store)
    alerts = _find(store, options, now)
    if not alerts:
        return result
    directory = Directory.load(store.pk)
    resolved = [_Alert(a.condition, a.conversation, _recipients(a, directory), a.severity) for a in alerts]
    resolved = _not_sent_yet([a for a in resolved if a.recipients])
    for alert in resolved:
        field = _COUNTERS[alert.condition]
        setattr(result, field, getattr(result, field) + 1)
        result.notified += _send(store, alert, now, directory.locale)
    return result


def _find(store: Store, options: QueueAlertOptions, now: datetime) -> list[_Alert]:
    base = Conversation.objects.for_store(store)
    alerts: list[_Alert] = []
    if options.unassigned_minutes:
        since = now - timedelta(minutes=options.unassigned_minutes)
        rows = base.filter(
            status__in=WAITING_FOR_OWNER,
            assignee__isnull=True,
            created_at__lte=since,
            created_at__gt=since - LOOKBACK,
        ).values(*_FIELDS)
        alerts += [_Alert("unassigned", row, [], "warning") for row in rows]
    if options.chat_wait_seconds or options.chat_escalate_seconds:
        thresholds = [s for s in (options.chat_wait_seconds, options.chat_escalate_seconds) if s]
        since = now - timedelta(seconds=min(thresholds))
        rows = base.filter(
            channel=Channel.CHAT,
            status__in=WAITING_FOR_OWNER,
            first_response_at__isnull=True,
            waiting_since__lte=since,
            waiting_since__gt=since - LOOKBACK,
        ).values(*_FIELDS)
        for row in rows:
            waited = (now - row["waiting_since"]).total_seconds()
            if options.chat_wait_seconds and waited >= options.chat_wait_seconds:
                alerts.append(_Alert("chat_wait", row, [], "warning"))
            if options.chat_escalate_seconds and waited >= options.chat_escalate_seconds:
                alerts.append(_Alert("chat_escalate", row, [], "critical"))
    if options.max_transfers:
        rows = base.filter(
            status__in=ACTIVE_STATUSES,
            transfer_count__gt=options.max_transfers,
            updated_at__gt=now - LOOKBACK,
        ).values(*_FIELDS)
        alerts += [_Alert("transfers", row, [], "warning") for row in rows]
    return alerts


def _recipients(alert: _Alert, directory: Directory) -> list[int]:
    row = alert.conversation
    if alert.condition == "chat_wait":
        return directory.first_line(row["assignee_id"], row["team_id"])
    return directory.leads(row["team_id"])


def _not_sent_yet(alerts: list[_Alert]) -> list[_Alert]:
    """Drop alerts already told (one indexed query on (agent, dedupe_key)) before calling ``notify``."""
    if not alerts:
        return []
    agent_ids = sorted({i for a in alerts for i in a.recipients})
    sent = set(
        Notification.objects.filter(
            agent_id__in=agent_ids, dedupe_key__in=[a.dedupe_key for a in alerts]
        ).values_list("dedupe_key", flat=True)
    )
    return [a for a in alerts if a.dedupe_key not in sent]


def _send(store: Store, alert: _Alert, now: datetime, locale: str) -> int:
    row = alert.conversation
    number = row["number"]
    with translation.override(locale):
        if alert.condition == "unassigned":
            minutes = int((now - row["created_at"]).total_seconds() // 60)
            title = _("#%(number)s has had no owner for %(minutes)s min") % {
                "number": number,
                "minutes": minutes,
            }
        elif alert.condition in ("chat_wait", "chat_escalate"):
            seconds = int((now - row["waiting_since"]).total_seconds())
            title = _("#%(number)s: the chat has waited %(seconds)s s for an answer") % {
                "number": number,
                "seconds": seconds,
            }
        else:
            title = _("#%(number)s was transferred %(count)s times") % {
                "number": number,
                "count": row["transfer_count"],
            }
        body = row["subject"] or ""
    return notify(
        store_id=store.pk,
        agent_ids=alert.recipients,
        kind=f"queue.{alert.condition}",
        title=title,
        body=body,
        url=conversation_url(number),
        severity=alert.severity,
        dedupe_key=alert.dedupe_key,
        payload={"conversation_id": row["id"], "condition": alert.condition},
    )


@task(queue_name="default")
def queue_alerts_task() -> dict[str, Any]:
    """Registered with the scheduler every minute; safe to run twice."""
    return check_queues().as_dict()
