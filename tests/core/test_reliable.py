from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import default_task_backend
from django_tasks_db.models import DBTaskResult

from tests.core import worker_tasks
from tests.core.worker_tasks import flaky
from zabota.core.deadletters import collect_failed_results
from zabota.core.models import DeadLetter, WorkerHeartbeat
from zabota.core.reliable import ATTEMPT_KWARG, FIRST_FAILED_KWARG, backoff
from zabota.core.worker import WORKER_LOST, beat, recover_stalled_tasks


@pytest.fixture(autouse=True)
def _clean():
    default_task_backend.clear()  # type: ignore[attr-defined]
    worker_tasks.CALLS.clear()
    yield
    default_task_backend.clear()  # type: ignore[attr-defined]


def queued():
    return list(default_task_backend.results)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("attempt", "seconds"),
    [(1, 30), (2, 60), (3, 120), (10, 15360), (11, 6 * 3600)],
    ids=["first", "second", "third", "tenth", "capped"],
)
def test_backoff_doubles_and_is_capped(attempt, seconds):
    assert backoff(attempt) == timedelta(seconds=seconds)


@pytest.mark.django_db
def test_failure_is_retried_later_with_the_attempt_number(store):
    # when
    before = timezone.now()
    outcome = flaky.call(store_id=store.pk, note="a")
    # then
    assert outcome["retry"] == 2
    [retry] = queued()
    assert retry.task.name == "flaky"
    assert retry.kwargs[ATTEMPT_KWARG] == 2
    assert {k: v for k, v in retry.kwargs.items() if not k.startswith("_zabota")} == {
        "store_id": store.pk,
        "note": "a",
    }
    assert before + timedelta(seconds=10) <= retry.task.run_after <= timezone.now() + timedelta(seconds=10)
    assert DeadLetter.objects.count() == 0


@pytest.mark.django_db
def test_second_failure_waits_twice_as_long():
    first_failed = (timezone.now() - timedelta(minutes=1)).isoformat()
    before = timezone.now()
    flaky.call(note="b", **{ATTEMPT_KWARG: 2, FIRST_FAILED_KWARG: first_failed})
    [retry] = queued()
    assert retry.kwargs[ATTEMPT_KWARG] == 3
    assert retry.kwargs[FIRST_FAILED_KWARG] == first_failed
    assert before + timedelta(seconds=20) <= retry.task.run_after <= timezone.now() + timedelta(seconds=20)


@pytest.mark.django_db
def test_last_attempt_lands_in_the_store_dead_letters(store):
    first_failed = timezone.now() - timedelta(minutes=5)
    with pytest.raises(RuntimeError, match="boom c"):
        flaky.call(
            store_id=store.pk, note="c", **{ATTEMPT_KWARG: 3, FIRST_FAILED_KWARG: first_failed.isoformat()}
        )
    assert queued() == []
    letter = DeadLetter.objects.get()
    assert letter.store_id == store.pk
    assert letter.task_path == "tests.core.worker_tasks.flaky"
    assert letter.kwargs == {"store_id": store.pk, "note": "c"}
    assert letter.args == []
    assert letter.attempts == 3
    assert letter.exception_class == "builtins.RuntimeError"
    assert letter.error == "boom c"
    assert "RuntimeError: boom c" in letter.traceback
    assert letter.first_failed_at == first_failed
    assert letter.status == "open"


@pytest.mark.django_db
def test_task_without_store_is_a_global_dead_letter():
    with pytest.raises(RuntimeError):
        flaky.call(note="d", **{ATTEMPT_KWARG: 3})
    assert DeadLetter.objects.get().store_id is None


@pytest.mark.django_db
def test_success_is_returned_unchanged_and_nothing_is_queued():
    assert flaky.call(fail=False) == "ok"
    assert queued() == []


def failed_result(*, task_path: str, kwargs: dict, finished_at=None, **fields) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status="FAILED",
        args_kwargs={"args": [], "kwargs": kwargs},
        task_path=task_path,
        queue_name="default",
        backend_name="default",
        run_after=timezone.now(),
        finished_at=finished_at or timezone.now(),
        exception_class_path="builtins.ValueError",
        traceback="Traceback (most recent call last):\n  ...\nValueError: not reliable\n",
        **fields,
    )


@pytest.mark.django_db
def test_results_the_worker_marked_failed_become_dead_letters_once(store):
    result = failed_result(task_path="tests.core.worker_tasks.always_fails", kwargs={"store_id": store.pk})
    failed_result(
        task_path="tests.core.worker_tasks.always_fails",
        kwargs={},
        finished_at=timezone.now() - timedelta(days=3),
    )
    assert collect_failed_results(now=timezone.now()) == 1
    assert collect_failed_results(now=timezone.now()) == 0
    letter = DeadLetter.objects.get()
    assert letter.task_result_id == str(result.id)
    assert letter.store_id == store.pk
    assert letter.error == "ValueError: not reliable"
    assert letter.exception_class == "builtins.ValueError"


def running_result(*, worker_ids: list[str], started_at) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status="RUNNING",
        args_kwargs={"args": [], "kwargs": {}},
        task_path="tests.core.worker_tasks.tick",
        queue_name="default",
        backend_name="default",
        run_after=timezone.now(),
        started_at=started_at,
        worker_ids=worker_ids,
    )


@pytest.mark.django_db
def test_tasks_of_a_silent_worker_are_put_back_and_a_live_workers_are_not():
    now = timezone.now()
    beat("alive", now=now - timedelta(seconds=5))
    beat("dead", now=now - timedelta(minutes=5))
    of_dead = running_result(worker_ids=["dead"], started_at=now - timedelta(minutes=6))
    of_alive = running_result(worker_ids=["alive"], started_at=now - timedelta(minutes=6))
    of_unknown_recent = running_result(worker_ids=["db-worker"], started_at=now - timedelta(seconds=10))
    recovered = recover_stalled_tasks(now=now, stale_after=timedelta(seconds=60))
    assert recovered == [str(of_dead.id)]
    statuses = dict(DBTaskResult.objects.values_list("id", "status"))
    assert statuses == {of_dead.id: "READY", of_alive.id: "RUNNING", of_unknown_recent.id: "RUNNING"}


@pytest.mark.django_db
def test_a_task_that_killed_too_many_workers_is_failed_and_dead_lettered():
    now = timezone.now()
    poison = running_result(worker_ids=["w1", "w2", "w3"], started_at=now - timedelta(minutes=2))
    assert recover_stalled_tasks(now=now, stale_after=timedelta(seconds=60)) == [str(poison.id)]
    poison.refresh_from_db()
    assert (poison.status, poison.exception_class_path) == ("FAILED", WORKER_LOST)
    assert collect_failed_results(now=now) == 1
    assert DeadLetter.objects.get().exception_class == WORKER_LOST


@pytest.mark.django_db
def test_heartbeat_updates_one_row_per_worker():
    now = timezone.now()
    beat("w", now=now - timedelta(seconds=10))
    beat("w", now=now)
    row = WorkerHeartbeat.objects.get()
    assert (row.worker_id, row.seen_at, row.started_at) == ("w", now, now - timedelta(seconds=10))
