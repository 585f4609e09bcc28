from __future__ import annotations

from collections.abc import Iterator

import pytest
from django_tasks import default_task_backend
from django_tasks.base import TaskResult


@pytest.fixture
def enqueued() -> Iterator[list[TaskResult]]:
    """Tasks enqueued on the dummy backend during the test."""
    default_task_backend.clear()  # type: ignore[attr-defined]
    yield default_task_backend.results  # type: ignore[attr-defined]
    default_task_backend.clear()  # type: ignore[attr-defined]
