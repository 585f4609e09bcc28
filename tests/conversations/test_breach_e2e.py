"""A breach end to end with a running ``zabota worker``: scheduler -> sweep task -> notifications, once.

The test database of pytest-django is not shared with other processes, so this test makes its own: a
SQLite file (and a PostgreSQL database when the server is reachable), migrates it with ``zabota migrate``,
seeds it through this module's ``setup`` command (a conversation with a one-minute first-response target,
opened with the clock five minutes in the past), starts ``zabota worker`` and waits for the notifications
of the assignee and the team lead. Running the module as a script is how the subprocesses reach Django:

    python tests/conversations/test_breach_e2e.py setup|sweep
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = "test_breach_e2e"
WAIT_SECONDS = 90


# ----------------------------------------------------------------------------- inside the subprocesses


def _setup() -> dict[str, Any]:
    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.utils import timezone

    from zabota.conversations import actions
    from zabota.conversations.models import Conversation, Deadline
    from zabota.customers.actions import create_customer
    from zabota.demo.clock import Clock, frozen_at
    from zabota.sla.models import Policy
    from zabota.stores.actors import Actor
    from zabota.stores.models import Agent, Store, Team

    store = Store.objects.create(name="E2E", slug="e2e", locale="en")
    team = Team.objects.create(store=store, name="Чат")

    def agent(name: str, role: str) -> Agent:
        user = User.objects.create_user(username=name, password="pass12345!")
        member = Agent.objects.create(store=store, user=user, display_name=name, role=role)
        member.teams.add(team)
        return member

    assignee, lead = agent("assignee", "agent"), agent("lead", "lead")
    agent("bystander", "agent")  # in the team, but the conversation has an owner: not told
    Policy.objects.create(store=store, name="One minute", position=0, first_response_minutes=1)
    with frozen_at(Clock(timezone.now() - timedelta(minutes=5))):
        customer = create_customer(
            store=store, by=Actor.system(), name="Покупатель", identities=[("email", "e2e@example.ru")]
        )
        message = actions.receive_message(
            store=store, customer=customer, channel="chat", text="Где мой заказ?", by=Actor.customer()
        )
        conversation = message.conversation
        Conversation.objects.filter(pk=conversation.pk).update(assignee=assignee, team=team)
    deadlines = list(Deadline.objects.filter(conversation=conversation).values_list("kind", "state"))
    return {
        "conversation_id": conversation.pk,
        "assignee_id": assignee.pk,
        "lead_id": lead.pk,
        "deadlines": deadlines,
    }


def _sweep() -> dict[str, Any]:
    from zabota.conversations.sweep import sweep_deadlines

    return sweep_deadlines().as_dict()


def _main(command: str) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    print(json.dumps(_setup() if command == "setup" else _sweep()))


# ----------------------------------------------------------------------------- the test


def _pg_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=2):
            return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/e2e.sqlite3"
        return
    if not _pg_reachable():
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
    _pg_admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
    _pg_admin(f'CREATE DATABASE "{PG_DATABASE}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_DATABASE
    _pg_admin(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')


def _env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ZABOTA_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "ZABOTA_SECRET_KEY": "e2e-only",
            "ZABOTA_VAR_DIR": str(var_dir),
            "ZABOTA_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _notifications(database_url: str) -> list[tuple[int, str]]:
    """(agent id, dedupe key) of the SLA notifications (queue alerts about the waiting chat come too)."""
    sql = (
        "SELECT agent_id, dedupe_key FROM notify_notification WHERE dedupe_key LIKE 'sla:%' "
        "ORDER BY agent_id, dedupe_key"
    )
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=10) as conn:
            return [(int(a), str(k)) for a, k in conn.execute(sql)]
    import psycopg

    with psycopg.connect(database_url) as conn:
        return [(int(a), str(k)) for a, k in conn.execute(sql)]  # type: ignore[arg-type]


@pytest.mark.slow
def test_a_breach_is_notified_once_each_to_the_assignee_and_the_lead_by_a_running_worker(
    database_url, tmp_path
):
    # given: a migrated database with a conversation whose one-minute target passed four minutes ago
    env = _env(database_url, tmp_path)
    _run(["-m", "zabota.cli", "migrate", "--no-input", "-v", "0"], env)
    seeded = json.loads(_run([__file__, "setup"], env).strip().splitlines()[-1])
    assert seeded["deadlines"] == [["first_response", "active"]]
    assignee, lead = seeded["assignee_id"], seeded["lead_id"]

    # when: a worker runs (its scheduler enqueues the sweep at once, then every 15 s)
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "zabota.cli", "worker", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        seen: list[tuple[int, str]] = []
        while time.monotonic() < deadline:
            seen = _notifications(database_url)
            if len(seen) >= 2:
                break
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
            time.sleep(0.5)
        time.sleep(2)  # room for a (wrong) duplicate to show up
        seen = _notifications(database_url)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()

    # then: exactly one breach notification each, and a second sweep adds nothing
    keys = sorted({key for _agent, key in seen})
    assert len(keys) == 1, (keys, (tmp_path / "worker.log").read_text()[-3000:])
    assert keys[0].endswith(":breached")
    assert seen == sorted([(assignee, keys[0]), (lead, keys[0])])
    again = json.loads(_run([__file__, "sweep"], env).strip().splitlines()[-1])
    assert (again["checked"], again["queued"]) == (0, 0)
    assert _notifications(database_url) == seen


if __name__ == "__main__":
    _main(sys.argv[1])
