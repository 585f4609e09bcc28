from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django_tasks import default_task_backend

from tests.core.worker_tasks import tick
from zabota.core.models import ScheduledJob, ScheduledRun, SchedulerLease
from zabota.core.scheduler import (
    Job,
    Scheduler,
    acquire_lease,
    first_due,
    next_due,
    register_job,
    release_lease,
    run_due_jobs,
)

T0 = datetime(2026, 3, 2, 10, 0, 7, tzinfo=UTC)
TTL = timedelta(seconds=30)


@pytest.fixture(autouse=True)
def _clear_dummy_results():
    default_task_backend.clear()  # type: ignore[attr-defined]
    yield
    default_task_backend.clear()  # type: ignore[attr-defined]


def every(seconds: float, name: str = "test.tick") -> Job:
    return Job(name=name, task=tick, every=timedelta(seconds=seconds))


def cron(expression: str, name: str = "test.cron") -> Job:
    return Job(name=name, task=tick, cron=expression)


# --- due times ------------------------------------------------------------------------------------


def test_interval_job_first_runs_at_once():
    assert first_due(every(30), T0) == T0


def test_cron_job_first_runs_at_its_next_match():
    assert first_due(cron("*/5 * * * *"), T0) == datetime(2026, 3, 2, 10, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (T0 + timedelta(seconds=1), T0 + timedelta(seconds=30)),
        (T0 + timedelta(seconds=30), T0 + timedelta(seconds=60)),
        (T0 + timedelta(seconds=95), T0 + timedelta(seconds=120)),
        (T0 + timedelta(hours=5, seconds=1), T0 + timedelta(hours=5, seconds=30)),
    ],
    ids=["on-time", "exactly-next", "missed-three", "down-five-hours"],
)
def test_interval_next_due_keeps_rhythm_and_skips_missed(now, expected):
    assert next_due(every(30), T0, now) == expected


@pytest.mark.parametrize(
    ("expression", "due", "now", "expected"),
    [
        (
            "*/5 * * * *",
            datetime(2026, 3, 2, 10, 5, tzinfo=UTC),
            datetime(2026, 3, 2, 10, 5, 1, tzinfo=UTC),
            datetime(2026, 3, 2, 10, 10, tzinfo=UTC),
        ),
        (
            "0 3 * * *",
            datetime(2026, 3, 2, 3, 0, tzinfo=UTC),
            datetime(2026, 3, 4, 12, 0, tzinfo=UTC),
            datetime(2026, 3, 5, 3, 0, tzinfo=UTC),
        ),
        (
            "30 9 * * mon-fri",
            datetime(2026, 3, 6, 9, 30, tzinfo=UTC),
            datetime(2026, 3, 6, 9, 30, 2, tzinfo=UTC),
            datetime(2026, 3, 9, 9, 30, tzinfo=UTC),
        ),
    ],
    ids=["every-five-minutes", "daily-after-downtime", "weekdays-over-weekend"],
)
def test_cron_next_due(expression, due, now, expected):
    assert next_due(cron(expression), due, now) == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one"),
        ({"every": timedelta(seconds=5), "cron": "* * * * *"}, "exactly one"),
        ({"every": timedelta(0)}, "positive"),
        ({"cron": "every minute"}, "invalid cron"),
    ],
    ids=["neither", "both", "zero-interval", "bad-cron"],
)
def test_register_job_refuses_bad_timing(kwargs, message):
    with pytest.raises(ValueError, match=message):
        register_job("test.bad", tick, **kwargs)


# --- the lease ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_lease_one_holder_at_a_time_and_handed_over_after_expiry():
    assert acquire_lease("a", now=T0, ttl=TTL) is True
    assert acquire_lease("b", now=T0 + timedelta(seconds=1), ttl=TTL) is False
    # the holder renews
    assert acquire_lease("a", now=T0 + timedelta(seconds=20), ttl=TTL) is True
    assert acquire_lease("b", now=T0 + timedelta(seconds=45), ttl=TTL) is False
    # a dies: after its TTL b takes over, and a (back from a pause) cannot renew
    assert acquire_lease("b", now=T0 + timedelta(seconds=51), ttl=TTL) is True
    assert acquire_lease("a", now=T0 + timedelta(seconds=52), ttl=TTL) is False
    lease = SchedulerLease.objects.get()
    assert (lease.holder, lease.expires_at) == ("b", T0 + timedelta(seconds=81))


@pytest.mark.django_db
def test_released_lease_is_taken_at_once():
    acquire_lease("a", now=T0, ttl=TTL)
    release_lease("b", now=T0)  # not the holder: nothing happens
    assert acquire_lease("b", now=T0 + timedelta(seconds=1), ttl=TTL) is False
    release_lease("a", now=T0 + timedelta(seconds=2))
    assert acquire_lease("b", now=T0 + timedelta(seconds=2), ttl=TTL) is True


# --- enqueueing -----------------------------------------------------------------------------------


def enqueued_ticks() -> int:
    return sum(1 for r in default_task_backend.results if r.task.name == "tick")  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_two_schedulers_with_a_fake_clock_only_the_lease_holder_enqueues():
    jobs = {"test.tick": every(10)}
    first = Scheduler("worker-a", ttl=TTL, jobs=jobs)
    second = Scheduler("worker-b", ttl=TTL, jobs=jobs)
    fired: list[tuple[str, str, datetime]] = []
    for second_no in range(0, 61):
        now = T0 + timedelta(seconds=second_no)
        for scheduler in (first, second):
            fired += [(scheduler.holder, name, due) for name, due in scheduler.tick(now)]
    assert [(holder, due) for holder, _name, due in fired] == [
        ("worker-a", T0 + timedelta(seconds=s)) for s in range(0, 61, 10)
    ]
    assert enqueued_ticks() == 7
    assert ScheduledRun.objects.count() == 7


@pytest.mark.django_db
def test_lease_expiry_hands_scheduling_over_without_double_or_lost_runs():
    jobs = {"test.tick": every(10)}
    first = Scheduler("worker-a", ttl=TTL, jobs=jobs)
    second = Scheduler("worker-b", ttl=TTL, jobs=jobs)
    fired: list[tuple[str, datetime]] = []
    for second_no in range(0, 121):
        now = T0 + timedelta(seconds=second_no)
        if second_no <= 25:  # worker-a dies after 25 s; its lease runs until 55 s
            fired += [(first.holder, due) for _n, due in first.tick(now)]
        fired += [(second.holder, due) for _n, due in second.tick(now)]
    assert fired == [
        *[("worker-a", T0 + timedelta(seconds=s)) for s in (0, 10, 20)],
        # 30, 40, 50 are missed while the dead holder's lease lasts; the next holder fires once
        ("worker-b", T0 + timedelta(seconds=30)),
        *[("worker-b", T0 + timedelta(seconds=s)) for s in (60, 70, 80, 90, 100, 110, 120)],
    ]


@pytest.mark.django_db
def test_racing_schedulers_enqueue_a_due_time_once():
    """Two processes that both think they hold the lease: one due time is still enqueued once."""
    jobs = {"test.tick": every(10)}
    assert run_due_jobs(now=T0, jobs=jobs) == [("test.tick", T0)]
    assert run_due_jobs(now=T0 + timedelta(seconds=1), jobs=jobs) == []  # the conditional UPDATE
    # a scheduler that read the job before the first one moved it: the unique run row refuses it
    ScheduledJob.objects.filter(name="test.tick").update(next_run_at=T0)
    assert run_due_jobs(now=T0 + timedelta(seconds=1), jobs=jobs) == []
    assert ScheduledRun.objects.filter(job="test.tick", due_at=T0).count() == 1
    assert ScheduledJob.objects.get(name="test.tick").next_run_at == T0 + timedelta(seconds=10)
    assert enqueued_ticks() == 1


@pytest.mark.django_db
def test_restart_neither_double_fires_nor_skips():
    jobs = {"test.tick": every(60)}
    assert run_due_jobs(now=T0, jobs=jobs) == [("test.tick", T0)]
    # a new process (fresh scheduler, same database) a few seconds later: nothing due yet
    assert Scheduler("restarted", ttl=TTL, jobs=jobs).tick(T0 + timedelta(seconds=5)) == []
    assert Scheduler("restarted", ttl=TTL, jobs=jobs).tick(T0 + timedelta(seconds=60)) == [
        ("test.tick", T0 + timedelta(seconds=60))
    ]
    assert enqueued_ticks() == 2


@pytest.mark.django_db
def test_changed_timing_restarts_the_job_schedule():
    run_due_jobs(now=T0, jobs={"test.tick": every(3600)})
    assert run_due_jobs(now=T0 + timedelta(seconds=5), jobs={"test.tick": every(10)}) == []
    state = ScheduledJob.objects.get(name="test.tick")
    assert (state.spec, state.next_run_at) == ("every 10s", T0 + timedelta(seconds=5))
    assert run_due_jobs(now=T0 + timedelta(seconds=6), jobs={"test.tick": every(10)}) == [
        ("test.tick", T0 + timedelta(seconds=5))
    ]


@pytest.mark.django_db
def test_cron_job_enqueued_at_its_times():
    jobs = {"test.cron": cron("*/5 * * * *")}
    fired = []
    for minute in range(0, 16):
        fired += run_due_jobs(now=datetime(2026, 3, 2, 10, minute, 30, tzinfo=UTC), jobs=jobs)
    assert [due.minute for _name, due in fired] == [5, 10, 15]
