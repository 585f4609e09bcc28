"""Tasks that retry with backoff and end in the dead-letter list (ADR 0008).

    @reliable_task(queue_name="default", max_attempts=5)
    def send_reminder(*, store_id: int, reminder_id: int) -> str: ...

A failing call re-enqueues the task with ``run_after`` = now + 30 s × 2^(attempt−1) (capped) and the
attempt number in a reserved keyword argument the wrapper removes before calling the function. After the
last attempt a ``DeadLetter`` row keeps the task path, its arguments, the error and the traceback; it
belongs to the store named by a ``store_id`` keyword argument, else it is global. The task must be
idempotent: a retried or re-run task may find its work half or fully done.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, ParamSpec, TypeVar

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django_tasks import task as make_task
from django_tasks.base import Task, TaskResult
from django_tasks.signals import task_finished, task_started

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

ATTEMPT_KWARG = "_zabota_attempt"
FIRST_FAILED_KWARG = "_zabota_first_failed"
RESERVED_KWARGS = (ATTEMPT_KWARG, FIRST_FAILED_KWARG)

_current_result_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "zabota_task_result_id", default=None
)


def _on_task_started(sender: Any, task_result: TaskResult[Any], **kwargs: Any) -> None:
    _current_result_id.set(str(task_result.id))


def _on_task_finished(sender: Any, task_result: TaskResult[Any], **kwargs: Any) -> None:
    _current_result_id.set(None)


task_started.connect(_on_task_started, dispatch_uid="zabota-current-task-result")
task_finished.connect(_on_task_finished, dispatch_uid="zabota-current-task-result")


def current_task_result_id() -> str | None:
    """The id of the task result the worker is running in this thread, if any."""
    return _current_result_id.get()


def backoff(attempt: int, *, base_seconds: float = 30, max_seconds: float = 6 * 3600) -> timedelta:
    """Delay before attempt ``attempt + 1``: base, 2×base, 4×base … capped."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempt - 1, 0), max_seconds))


def strip_reserved(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if k not in RESERVED_KWARGS}


def store_id_of(kwargs: dict[str, Any]) -> int | None:
    """The store a task works for, if it says so with a ``store_id`` keyword argument that still exists."""
    value = kwargs.get("store_id")
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    store_model = apps.get_model("stores", "Store")
    return value if store_model.objects.filter(pk=value).exists() else None


def reliable_task(
    *,
    queue_name: str = "default",
    priority: int = 0,
    max_attempts: int = 5,
    backoff_seconds: float = 30,
    max_backoff_seconds: float = 6 * 3600,
) -> Callable[[Callable[P, T]], Task[P, T | dict[str, Any]]]:
    """A django-tasks ``@task`` that retries failures with exponential backoff, then dead-letters them."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")

    def decorate(func: Callable[P, T]) -> Task[P, T | dict[str, Any]]:
        task_holder: list[Task[P, T | dict[str, Any]]] = []

        @functools.wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> T | dict[str, Any]:
            attempt = int(kwargs.pop(ATTEMPT_KWARG, 1))  # type: ignore[call-overload]
            first_failed = kwargs.pop(FIRST_FAILED_KWARG, None)
            try:
                return func(*args, **kwargs)
            except Exception as exc:
                now = timezone.now()
                first = datetime.fromisoformat(first_failed) if isinstance(first_failed, str) else now
                if attempt < max_attempts:
                    delay = backoff(attempt, base_seconds=backoff_seconds, max_seconds=max_backoff_seconds)
                    retry = task_holder[0].using(run_after=now + delay)
                    retry.enqueue(
                        *args, **kwargs, **{ATTEMPT_KWARG: attempt + 1, FIRST_FAILED_KWARG: first.isoformat()}
                    )
                    logger.warning(
                        "task %s failed (attempt %d/%d), retrying in %s: %s",
                        task_holder[0].module_path,
                        attempt,
                        max_attempts,
                        delay,
                        exc,
                    )
                    return {
                        "retry": attempt + 1,
                        "run_after": (now + delay).isoformat(),
                        "error": str(exc)[:500],
                    }
                record_dead_letter(
                    task_path=task_holder[0].module_path,
                    queue_name=task_holder[0].queue_name,
                    args=list(args),
                    kwargs=dict(kwargs),
                    exc=exc,
                    attempts=attempt,
                    first_failed_at=first,
                    task_result_id=current_task_result_id(),
                )
                raise

        wrapped: Task[P, T | dict[str, Any]] = make_task(priority=priority, queue_name=queue_name)(run)
        task_holder.append(wrapped)
        return wrapped

    return decorate


def record_dead_letter(
    *,
    task_path: str,
    queue_name: str,
    args: list[Any],
    kwargs: dict[str, Any],
    exc: BaseException | None = None,
    exception_class: str = "",
    error: str = "",
    traceback_text: str = "",
    attempts: int,
    first_failed_at: datetime,
    task_result_id: str | None,
) -> Any:
    """Keep a task that failed for good; a task result is recorded at most once."""
    from zabota.core.models import DeadLetter

    if exc is not None:
        exception_class = f"{type(exc).__module__}.{type(exc).__qualname__}"
        error = str(exc)
        traceback_text = "".join(traceback.format_exception(exc))
    kwargs = strip_reserved(kwargs)
    now = timezone.now()
    values = {
        "store_id": store_id_of(kwargs),
        "task_path": task_path[:300],
        "queue_name": queue_name[:32],
        "args": args,
        "kwargs": kwargs,
        "exception_class": exception_class[:300],
        "error": error[:5000],
        "traceback": traceback_text[-20000:],
        "attempts": attempts,
        "first_failed_at": first_failed_at,
        "last_failed_at": now,
    }
    with transaction.atomic():
        if task_result_id is None:
            return DeadLetter.objects.create(**values)
        letter, _created = DeadLetter.objects.get_or_create(
            task_result_id=task_result_id[:64], defaults=values
        )
        return letter
