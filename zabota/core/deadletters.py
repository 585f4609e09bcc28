"""Dead letters: collect the tasks django-tasks-db marked failed, and retry or discard them.

``core`` cannot import the stores app, so these actions take the caller's scope (a store id, and
whether global rows are visible: superusers only) instead of an ``Actor``; the view checks the role.
A row outside the scope is ``NotFound``, exactly like another store's id anywhere else.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks.base import Task

from zabota.core.errors import Conflict, InvalidInput, NotFound
from zabota.core.models import DeadLetter, DeadLetterStatus
from zabota.core.reliable import record_dead_letter, strip_reserved


def collect_failed_results(*, now: datetime, window: timedelta = timedelta(days=1)) -> int:
    """Turn task results the worker marked FAILED (recently) into dead letters; returns how many are new."""
    from django_tasks_db.models import DBTaskResult

    failed = list(
        DBTaskResult.objects.failed()
        .filter(finished_at__gte=now - window)
        .values_list("id", "task_path", "queue_name", "args_kwargs", "exception_class_path", "traceback")
        .order_by()
    )
    if not failed:
        return 0
    ids = [str(row[0]) for row in failed]
    known = set(DeadLetter.objects.filter(task_result_id__in=ids).values_list("task_result_id", flat=True))
    created = 0
    for result_id, task_path, queue_name, args_kwargs, exception_class, trace in failed:
        if str(result_id) in known:
            continue
        args_kwargs = args_kwargs or {}
        kwargs = args_kwargs.get("kwargs") or {}
        lines = (trace or "").strip().splitlines()
        record_dead_letter(
            task_path=task_path,
            queue_name=queue_name,
            args=list(args_kwargs.get("args") or []),
            kwargs=dict(kwargs),
            exception_class=exception_class or "",
            error=lines[-1] if lines else "",
            traceback_text=trace or "",
            attempts=int(kwargs.get("_zabota_attempt", 1)),
            first_failed_at=now,
            task_result_id=str(result_id),
        )
        created += 1
    return created


def _get(letter_id: int, *, store_id: int, include_global: bool) -> DeadLetter:
    letter = DeadLetter.objects.visible_to(store_id=store_id, include_global=include_global).filter(
        pk=letter_id
    )
    found = letter.first()
    if found is None:
        raise NotFound(_("No such failed task."))
    return found


def retry_dead_letter(*, letter_id: int, store_id: int, include_global: bool, by: str) -> DeadLetter:
    """Enqueue the task again with its arguments (attempts start over) and mark the row retried."""
    letter = _get(letter_id, store_id=store_id, include_global=include_global)
    if letter.status != DeadLetterStatus.OPEN:
        raise Conflict(_("This failed task was already handled."))
    try:
        task: Any = import_string(letter.task_path)
    except ImportError as exc:
        raise InvalidInput(_("The task no longer exists in this version.")) from exc
    if not isinstance(task, Task):
        raise InvalidInput(_("The task no longer exists in this version."))
    with transaction.atomic():
        updated = DeadLetter.objects.filter(pk=letter.pk, status=DeadLetterStatus.OPEN).update(
            status=DeadLetterStatus.RETRIED, resolved_at=timezone.now(), resolved_by=by[:200]
        )
        if not updated:
            raise Conflict(_("This failed task was already handled."))
        result = task.using(queue_name=letter.queue_name).enqueue(
            *letter.args, **strip_reserved(letter.kwargs)
        )
        DeadLetter.objects.filter(pk=letter.pk).update(retry_task_id=str(result.id)[:64])
    letter.refresh_from_db()
    return letter


def discard_dead_letter(*, letter_id: int, store_id: int, include_global: bool, by: str) -> DeadLetter:
    letter = _get(letter_id, store_id=store_id, include_global=include_global)
    updated = DeadLetter.objects.filter(pk=letter.pk, status=DeadLetterStatus.OPEN).update(
        status=DeadLetterStatus.DISCARDED, resolved_at=timezone.now(), resolved_by=by[:200]
    )
    if not updated:
        raise Conflict(_("This failed task was already handled."))
    letter.refresh_from_db()
    return letter
