"""Periodic job: process inbound records a crash left in status ``received`` (nothing lost).

An endpoint stores the raw payload first and processes it right after; a process that dies in between
leaves the record ``received``. This job picks up records older than a grace period (so it never races
the request still processing them) and runs them through the batch path, which is idempotent: a record
already turned into a message is only marked, never delivered twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from zabota.connectors.models import InboundRecord, InboundStatus
from zabota.conversations.actions.inbound import process_inbound
from zabota.conversations.actions.inbound_batch import process_inbound_batch
from zabota.core.errors import DomainError
from zabota.stores.models import Store

logger = logging.getLogger(__name__)

JOB_NAME = "conversations.retry_stuck_inbound"
BATCH_SIZE = 200


def stuck_after() -> timedelta:
    return timedelta(minutes=float(settings.ZABOTA_INBOUND_RETRY_AFTER_MINUTES))


def retry_stuck_inbound(*, now: datetime | None = None, limit: int = 2000) -> int:
    """Process up to ``limit`` stuck records, oldest first, per store; returns how many were handled."""
    now = now or timezone.now()
    stuck = InboundRecord.objects.filter(status=InboundStatus.RECEIVED, received_at__lt=now - stuck_after())
    ids = list(stuck.order_by("received_at", "id").values_list("id", flat=True)[:limit])
    handled = 0
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = list(
            InboundRecord.objects.filter(
                pk__in=ids[start : start + BATCH_SIZE], status=InboundStatus.RECEIVED
            )
            .select_related("store")
            .order_by("received_at", "id")
        )
        by_store: dict[int, list[InboundRecord]] = {}
        for record in chunk:
            by_store.setdefault(record.store_id, []).append(record)
        for store_id, records in by_store.items():
            failed = _process(records[0].store, records)
            if failed:
                logger.warning(
                    "store %s: %d of %d stuck inbound records failed", store_id, failed, len(records)
                )
            handled += len(records)
    if handled:
        logger.info("processed %d inbound records left received", handled)
    return handled


def _process(store: Store, records: list[InboundRecord]) -> int:
    """The batch path; if it breaks on something unexpected, record by record so one bad record
    cannot hold the others back. Returns how many failed."""
    try:
        results = process_inbound_batch(store=store, records=records)
    except Exception:
        logger.exception("store %s: batch of stuck inbound records failed; one by one", store.pk)
    else:
        return sum(1 for r in results if r.error is not None)
    failed = 0
    for record in records:
        try:
            process_inbound(record=record)
        except DomainError:
            failed += 1
        except Exception:
            logger.exception("inbound record %s failed unexpectedly", record.pk)
            failed += 1
    return failed


@task(queue_name="inbound")
def retry_stuck_inbound_task() -> int:
    return retry_stuck_inbound()
