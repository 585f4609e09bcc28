"""Real `zabota worker` processes against a file SQLite database and PostgreSQL (when reachable).

Each test migrates a fresh database of its own, starts workers with ``tests.core.worker_settings``
(the test job ``test.tick`` every second, short heartbeat and lease times) and reads the database
directly to check what the workers did.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = os.environ.get("ZABOTA_TEST_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")

pytestmark = pytest.mark.slow


class WorkerDb:
    def __init__(self, url: str, tmp: Path):
        self.url = url
        self.tmp = tmp
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.core.worker_settings",
            "DATABASE_URL": url,
            "ZABOTA_SECRET_KEY": "test-secret-key",
            "ZABOTA_DEBUG": "0",
            "ZABOTA_VAR_DIR": str(tmp),
            "PYTHONUNBUFFERED": "1",
        }
        self.processes: list[subprocess.Popen[bytes]] = []

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "zabota.cli", *args], env=self.env, cwd=ROOT, check=True, timeout=300
        )

    def python(self, code: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", "import django; django.setup()\n" + code],
            env=self.env,
            cwd=ROOT,
            check=True,
            timeout=120,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip()

    def start_worker(self, worker_id: str) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"{worker_id}.log").open("wb")
        process = subprocess.Popen(
            [
                sys.executable, "-m", "zabota.cli", "worker", "--worker-id", worker_id,
                "--interval", "0.2", "--tick", "0.2", "--no-startup-delay",
            ],
            env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.url.startswith("sqlite"):
            with sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=20) as db:
                return db.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(self.url) as db:
            return db.execute(sql).fetchall()  # type: ignore[arg-type]

    def log(self, worker_id: str) -> str:
        return (self.tmp / f"{worker_id}.log").read_text(errors="replace")


def _pg_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=2):
            return True
    except Exception:
        return False


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Iterator[dict[str, str]]:
    """One migrated database per backend for the module; each test gets a copy (migrating takes ~20 s)."""
    templates: dict[str, str] = {}
    tmp = tmp_path_factory.mktemp("worker-template")
    sqlite_db = WorkerDb(f"sqlite:///{tmp / 'template.sqlite3'}", tmp)
    sqlite_db.manage("migrate", "-v0")
    templates["sqlite"] = str(tmp / "template.sqlite3")
    pg_template = ""
    if _pg_reachable():
        import psycopg

        pg_template = f"zabota_worker_tpl_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{pg_template}"')  # type: ignore[arg-type]
        WorkerDb(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{pg_template}", tmp).manage("migrate", "-v0")
        templates["postgresql"] = pg_template
    yield templates
    if pg_template:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{pg_template}" WITH (FORCE)')  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "postgresql"])
def worker_db(request, tmp_path, migrated) -> Iterator[WorkerDb]:
    if request.param == "sqlite":
        shutil.copyfile(migrated["sqlite"], tmp_path / "worker.sqlite3")
        db = WorkerDb(f"sqlite:///{tmp_path / 'worker.sqlite3'}", tmp_path)
        drop: Callable[[], None] = lambda: None  # noqa: E731
    else:
        if "postgresql" not in migrated:
            pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}")
        import psycopg

        name = f"zabota_worker_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{migrated["postgresql"]}"')  # type: ignore[arg-type]
        db = WorkerDb(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", tmp_path)

        def drop() -> None:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]

    try:
        yield db
    finally:
        db.stop_all()
        drop()


def wait_for(check: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def as_datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def test_two_workers_one_scheduler_each_due_time_enqueued_once(worker_db):
    # given two workers on one database
    first = worker_db.start_worker("w-a")
    worker_db.start_worker("w-b")
    wait_for(
        lambda: len(worker_db.rows("select id from core_scheduledrun where job = 'test.tick'")) >= 4,
        timeout=30,
        what="four ticks",
    )
    [(leader,)] = worker_db.rows("select holder from core_schedulerlease")
    # when the scheduling worker dies without a word, the other takes over after the lease TTL (3 s)
    if leader == "w-a":
        first.kill()
    else:
        worker_db.processes[1].kill()
    killed_at = time.monotonic()
    survivor = "w-b" if leader == "w-a" else "w-a"
    wait_for(
        lambda: (
            len(
                worker_db.rows(f"select id from core_scheduledrun where enqueued_by = '{survivor}'")  # noqa: S608
            )
            >= 3
        ),
        timeout=30,
        what="the survivor to schedule",
    )
    took_over_after = time.monotonic() - killed_at
    worker_db.stop_all()

    # then every due time was enqueued once, by one scheduler at a time, and nothing else enqueued ticks
    runs = [
        (as_datetime(due), by, task_id)
        for due, by, task_id in worker_db.rows(
            "select due_at, enqueued_by, task_id from core_scheduledrun where job = 'test.tick' order by due_at"
        )
    ]
    dues = [due for due, _by, _id in runs]
    assert len(dues) == len(set(dues))
    assert all(
        later - earlier >= timedelta(seconds=1) for earlier, later in zip(dues, dues[1:], strict=False)
    )
    holders = [by for _due, by, _id in runs]
    switch = holders.index(survivor)
    assert set(holders[:switch]) == {leader}
    assert set(holders[switch:]) == {survivor}
    ticks = worker_db.rows(
        "select id, status from django_tasks_database_dbtaskresult "
        "where task_path = 'tests.core.worker_tasks.tick'"
    )
    assert {str(uuid.UUID(str(i))) for i, _s in ticks} == {str(uuid.UUID(t)) for _d, _b, t in runs}
    assert took_over_after < 15


def test_worker_killed_mid_task_the_task_runs_again_and_sends_once(worker_db):
    markers = worker_db.tmp / "markers"
    markers.mkdir()
    store_id = worker_db.python(
        "from zabota.stores.models import Store\n"
        "from tests.factories import make_agent\n"
        "from tests.core.worker_tasks import slow_effect\n"
        "store = Store.objects.create(name='Тест', slug='test')\n"
        "agent = make_agent(store, name='Ольга')\n"
        "slow_effect.enqueue(store_id=store.pk, agent_id=agent.pk, key='order-42-delayed', "
        f"marker_dir={str(markers)!r}, seconds=4)\n"
        "print(store.pk)"
    )
    first = worker_db.start_worker("w-a")
    wait_for(lambda: (markers / "sent.log").exists(), timeout=30, what="the first run to send")

    # when the worker is killed in the middle of the task
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    [(status, _ids)] = worker_db.rows(
        "select status, worker_ids from django_tasks_database_dbtaskresult "
        "where task_path = 'tests.core.worker_tasks.slow_effect'"
    )
    assert status == "RUNNING"
    worker_db.start_worker("w-b")
    wait_for(lambda: any(markers.glob("done-*")), timeout=60, what="the task to finish on the second worker")
    worker_db.stop_all()

    # then the task ran twice, completed once, and its notification went out once
    assert len(list(markers.glob("start-*"))) == 2
    assert len(list(markers.glob("done-*"))) == 1
    assert (markers / "sent.log").read_text().splitlines() == ["order-42-delayed"]
    assert worker_db.rows(
        f"select count(*) from notify_notification where store_id = {int(store_id)} "  # noqa: S608
        "and dedupe_key = 'order-42-delayed'"
    ) == [(1,)]
    [(status, worker_ids)] = worker_db.rows(
        "select status, worker_ids from django_tasks_database_dbtaskresult "
        "where task_path = 'tests.core.worker_tasks.slow_effect'"
    )
    assert status == "SUCCESSFUL"
    assert '"w-a", "w-b"' in str(worker_ids).replace("'", '"')
