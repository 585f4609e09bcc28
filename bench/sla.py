"""Service targets: business-time arithmetic per second, and one breach sweep over 100,000 open conversations.

    .venv/bin/python bench/sla.py                          # full size, fresh file SQLite
    .venv/bin/python bench/sla.py --quick                  # 10,000 conversations, fewer computations
    .venv/bin/python bench/sla.py --database-url postgres://postgres@127.0.0.1:5432/bench_sla

(a) ``zabota.sla.deadlines.due_at`` and ``business_minutes_between`` on a Mon–Fri 09:00–13:00 / 14:00–18:00
Europe/Moscow calendar with the 2026 Russian holidays: random starts over a year, 1..5,000 minutes.
(b) ``zabota.conversations.sweep.sweep_deadlines`` once over N open conversations (100,000) with two running
deadline rows each (first response, resolution), of which 1% of the conversations have a first response
past its warning or due time: the sweep moves them, writes the events and webhook deliveries and enqueues
the notifications (one task per chunk); then, timed apart, those tasks run as a worker would run them
(assignee, team, team leads: ``notify`` per transition). The database is a fresh SQLite file (or the PostgreSQL database given, dropped and
re-created), filled with ``bulk_create``; the sweep runs in a subprocess pinned to one core. Target: the
sweep under 2 s. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

WEEK = [["09:00", "13:00"], ["14:00", "18:00"]]
CALENDAR = {
    "timezone": "Europe/Moscow",
    "week": dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), WEEK),
    "holidays": [
        *(f"2026-01-0{d}" for d in range(1, 9)),
        "2026-02-23",
        "2026-03-09",
        "2026-05-01",
        "2026-05-11",
        "2026-06-12",
        "2026-11-04",
        "2026-12-31",
    ],
    "workdays": [],
}


def _pin() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})


# ----------------------------------------------------------------------------- (a) arithmetic


def arithmetic(computations: int, seed: int = 11) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from zabota.sla.deadlines import Calendar, business_minutes_between, due_at

    calendar = Calendar.from_dict(CALENDAR)
    rng = random.Random(seed)
    year = datetime(2026, 1, 1, tzinfo=UTC)
    starts = [year + timedelta(minutes=rng.randrange(365 * 24 * 60)) for _ in range(computations)]
    minutes = [rng.randint(1, 5000) for _ in range(computations)]
    ends = [s + timedelta(minutes=rng.randint(1, 20_000)) for s in starts]
    due_at(starts[0], 60, calendar)  # the first call builds nothing lazily that later calls reuse unfairly

    started = time.perf_counter()
    results = [due_at(s, m, calendar) for s, m in zip(starts, minutes, strict=True)]
    due_seconds = time.perf_counter() - started
    started = time.perf_counter()
    spans = [business_minutes_between(s, e, calendar) for s, e in zip(starts, ends, strict=True)]
    between_seconds = time.perf_counter() - started
    # the two functions agree: the business minutes from a start to its due time are the minutes asked
    check = sum(
        business_minutes_between(s, r, calendar) != m
        for s, r, m in zip(starts[:2000], results, minutes, strict=False)
    )
    return {
        "computations": computations,
        "due_at_per_s": computations / due_seconds,
        "business_minutes_between_per_s": computations / between_seconds,
        "roundtrip_mismatches": check,
        "mean_business_minutes": sum(spans) / len(spans),
    }


# ----------------------------------------------------------------------------- (b) the sweep (a subprocess)


def run_sweep(database_url: str, conversations: int, due_share: float, webhooks: bool) -> dict[str, Any]:
    _pin()
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "ZABOTA_SECRET_KEY": "bench-only",
            "ZABOTA_VAR_DIR": tempfile.mkdtemp(prefix="zabota-bench-sla-"),
            "ZABOTA_LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from zabota.conversations.models import Conversation, ConversationEvent, Deadline
    from zabota.conversations.sweep import sweep_deadlines
    from zabota.customers.models import Customer
    from zabota.notify.models import Notification
    from zabota.sla.models import Policy
    from zabota.stores.models import Agent, Store, Team
    from zabota.webhooks.models import WebhookDelivery, WebhookSubscription

    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(5)
    result: dict[str, Any] = {
        "backend": connection.vendor,
        "conversations": conversations,
        "webhooks": webhooks,
    }
    fill_started = time.perf_counter()
    store = Store.objects.create(name="Bench", slug="bench-sla", locale="ru")
    teams = [Team.objects.create(store=store, name=f"Команда {n}") for n in range(4)]
    agents: list[Agent] = []
    for n in range(40):
        role = "admin" if n == 0 else "lead" if n < 5 else "agent"
        user = User.objects.create_user(username=f"agent{n}")
        agent = Agent.objects.create(store=store, user=user, display_name=f"Агент {n}", role=role)
        agent.teams.add(teams[n % len(teams)])
        agents.append(agent)
    WebhookSubscription.objects.create(
        is_active=webhooks,
        store=store,
        url="http://127.0.0.1:9/hook",
        events=["conversation.sla_warned", "conversation.sla_breached"],
    )
    policy = Policy.objects.create(
        store=store, name="Чат", first_response_minutes=5, resolution_minutes=60, warn_percent=75
    )
    workers = [a for a in agents if a.role == "agent"]
    now = timezone.now()
    batch = 5000
    for start in range(0, conversations, batch):
        size = min(batch, conversations - start)
        customers = Customer.objects.bulk_create(
            [Customer(store=store, name=f"Покупатель {start + i}") for i in range(size)], batch_size=batch
        )
        rows = []
        for i, customer in enumerate(customers):
            number = start + i + 1
            rows.append(
                Conversation(
                    store=store,
                    number=number,
                    customer=customer,
                    channel="chat",
                    subject=f"Вопрос {number}",
                    status="open",
                    assignee=None if number % 5 == 0 else workers[number % len(workers)],
                    team=teams[number % len(teams)],
                    waiting_since=now - timedelta(minutes=3),
                    created_at=now - timedelta(minutes=3),
                    updated_at=now - timedelta(minutes=3),
                )
            )
        Conversation.objects.bulk_create(rows, batch_size=batch)
    due_every = round(1 / due_share)
    deadlines = []
    due = 0
    for conversation_id in Conversation.objects.filter(store=store).values_list("id", flat=True).iterator():
        is_due = conversation_id % due_every == 0
        due += is_due
        started = now - timedelta(minutes=rng.randint(4, 9)) if is_due else now - timedelta(minutes=1)
        for kind, minutes in (("first_response", 5), ("resolution", 60)):
            due_at = started + timedelta(minutes=minutes)
            warn_at = started + timedelta(minutes=minutes * 0.75)
            deadlines.append(
                Deadline(
                    store=store,
                    conversation_id=conversation_id,
                    kind=kind,
                    seq=0,
                    policy_id=policy.pk,
                    policy_name=policy.name,
                    state="active",
                    target_minutes=minutes,
                    started_at=started,
                    due_at=due_at,
                    warn_at=warn_at,
                    next_check_at=warn_at,
                    computed_at=now,
                )
            )
        if len(deadlines) >= batch:
            Deadline.objects.bulk_create(deadlines, batch_size=batch)
            deadlines = []
    Deadline.objects.bulk_create(deadlines, batch_size=batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    result["fill_seconds"] = time.perf_counter() - fill_started
    result["deadline_rows"] = Deadline.objects.count()
    result["due_conversations"] = due

    # A worker process pays the URL map import once in its life, not per sweep: do it before timing.
    reverse("conversation", kwargs={"number": 1})
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        sweep = sweep_deadlines(now)
        result["sweep_seconds"] = time.perf_counter() - started
    result["sweep"] = sweep.as_dict()
    result["sweep_queries"] = len(captured.captured_queries)
    # The notifications the sweep enqueued (one task per chunk), run here one after another as a worker would.
    from django_tasks_db.models import DBTaskResult

    queued = list(
        DBTaskResult.objects.filter(task_path__endswith="notify_steps_task").order_by("enqueued_at")
    )
    started = time.perf_counter()
    for job in queued:
        job.task.call(*job.args_kwargs["args"], **job.args_kwargs["kwargs"])
    result["notify_tasks"] = len(queued)
    result["notify_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    idle = sweep_deadlines(now)
    result["idle_sweep_seconds"] = time.perf_counter() - started
    result["idle_sweep_checked"] = idle.checked
    result["notifications"] = Notification.objects.count()
    result["events"] = ConversationEvent.objects.filter(type__in=["sla_warned", "sla_breached"]).count()
    result["webhook_deliveries"] = WebhookDelivery.objects.count()
    moved = sweep.warned + sweep.breached
    if moved != due or result["events"] != due or result["webhook_deliveries"] != (due if webhooks else 0):
        result["error"] = f"{due} due, {moved} moved, {result['events']} events"
    return result


def _fresh_pg(url: str) -> None:
    import psycopg

    admin, name = url.rsplit("/", 1)
    with psycopg.connect(admin + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]


def _json_tail(text: str) -> dict[str, Any]:
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return dict(json.loads(line))
    raise ValueError("no JSON line in the output")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        url, conversations, share, hooks = sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
        print(json.dumps(run_sweep(url, conversations, share, hooks == "1"), default=str))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10,000 conversations, 20,000 computations")
    parser.add_argument("--conversations", type=int, default=0)
    parser.add_argument("--computations", type=int, default=0)
    parser.add_argument("--due-share", type=float, default=0.01)
    parser.add_argument(
        "--no-webhooks", action="store_true", help="no subscription to the SLA webhook events (default: one)"
    )
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL URL (re-created); default: a temp SQLite file"
    )
    args = parser.parse_args()
    conversations = args.conversations or (10_000 if args.quick else 100_000)
    computations = args.computations or (20_000 if args.quick else 100_000)

    _pin()
    figures: dict[str, Any] = {"date": datetime.now(UTC).date().isoformat()}
    figures["arithmetic"] = arithmetic(computations)
    a = figures["arithmetic"]
    print(f"due_at:                   {a['due_at_per_s']:>10,.0f} /s  ({computations:,} computations)")
    print(f"business_minutes_between: {a['business_minutes_between_per_s']:>10,.0f} /s")

    if args.database_url:
        _fresh_pg(args.database_url)
        url = args.database_url
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-sla-')}/sla.sqlite3"
    done = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--worker", url, str(conversations), str(args.due_share)]
        + ["0" if args.no_webhooks else "1"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if done.returncode != 0:
        figures["sweep_error"] = done.stderr.strip()[-2000:]
        print(figures["sweep_error"])
    else:
        s = _json_tail(done.stdout)
        figures["sweep"] = s
        print(
            f"sweep over {s['conversations']:,} open conversations ({s['deadline_rows']:,} deadline rows, "
            f"{s['due_conversations']:,} due, webhooks {'on' if s['webhooks'] else 'off'}) on {s['backend']}: "
            f"{s['sweep_seconds']:.2f} s, "
            f"{s['sweep_queries']:,} SQL statements; nothing due: {s['idle_sweep_seconds'] * 1000:.1f} ms"
        )
        print(
            f"notification tasks the sweep enqueued: {s['notify_tasks']}, run one after another: "
            f"{s['notify_seconds']:.2f} s for {s['notifications']:,} notifications"
        )
        print(f"target: sweep < 2 s: {'met' if s['sweep_seconds'] < 2 else 'NOT met'}")
    print(json.dumps(figures, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
