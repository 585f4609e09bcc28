"""Inbound messages per second: Zabota's action layer and HTTP API vs django-helpdesk, SQLite and PostgreSQL.

    .venv/bin/python bench/ingest.py            # full size (4,000 messages per measurement)
    .venv/bin/python bench/ingest.py --quick    # 200 messages, about a minute on an idle machine
    .venv/bin/python bench/ingest.py --backends sqlite --messages 2000

Each measurement runs in a fresh subprocess pinned to one core (``sched_setaffinity``) on a fresh
database: a SQLite file in a temp dir (WAL, as in production settings) or a PostgreSQL database
created and dropped here. django-helpdesk runs in its own virtualenv (``bench/.venv-helpdesk``, made
on first use) so that it cannot touch Zabota's. The last line printed is one JSON object.
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
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
HELPDESK_VENV = BENCH / ".venv-helpdesk"
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DATABASES = {"zabota": "bench_zabota", "helpdesk": "bench_helpdesk"}

TEXTS = (
    "Здравствуйте! Где мой заказ? Оформил неделю назад, статус не меняется.",
    "Можно поменять кроссовки на размер больше? Эти маломерят.",
    "На куртке разошлась молния, носила всего месяц. Что делать?",
    "Деньги за возврат так и не пришли, прошло уже две недели.",
    "Промокод не применяется к заказу, пишет «недействителен».",
    "Посылка третий день не приходит в пункт выдачи, хотя по трекингу должна.",
    "Как ухаживать за замшевыми ботинками зимой?",
    "С карты списали оплату два раза, верните, пожалуйста, лишнее.",
    "Спасибо, получила! А можно ещё вопрос по размеру?",
    "Подскажите, пожалуйста, есть новости по моему обращению?",
)
SUBJECTS = ("Где мой заказ", "Обмен размера", "Брак молнии", "Возврат денег", "Промокод", "Доставка")
NAMES = ("Анна Смирнова", "Иван Петров", "Мария Иванова", "Алексей Козлов", "Ольга Фёдорова")


def workload(messages: int, *, seed: int = 7) -> list[dict[str, str]]:
    """One message each: a quarter start a new thread, the rest continue one of the customer's threads."""
    rng = random.Random(seed)
    customers = max(10, messages // 8)
    threads: dict[int, list[str]] = {}
    items = []
    for n in range(messages):
        customer = rng.randrange(customers)
        own = threads.setdefault(customer, [])
        starts = not own or rng.random() < 0.25
        if starts:
            own.append(f"thread-{customer}-{len(own)}")
        items.append(
            {
                "key": f"msg-{n}",
                "email": f"customer{customer}@example.ru",
                "name": NAMES[customer % len(NAMES)],
                "text": rng.choice(TEXTS),
                "subject": rng.choice(SUBJECTS),
                "thread_id": own[-1] if starts or rng.random() < 0.7 else rng.choice(own),
            }
        )
    return items


# ----------------------------------------------------------------------------- Zabota (a subprocess)


def _pin() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})


def run_zabota(backend: str, database_url: str, workload_path: str, batch_size: int) -> dict[str, Any]:
    """Inside the measuring subprocess: migrate a fresh database, then time the three ways in."""
    _pin()
    var_dir = tempfile.mkdtemp(prefix="zabota-bench-var-")
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "ZABOTA_SECRET_KEY": "bench-only",
            "ZABOTA_VAR_DIR": var_dir,
            "ZABOTA_LOG_LEVEL": "WARNING",
            "ZABOTA_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import Resolver404, resolve

    from zabota.connectors.inbound import Inbound
    from zabota.conversations.actions import deliver, receive_batch
    from zabota.conversations.models import Conversation, Message
    from zabota.stores.actions import create_token
    from zabota.stores.actors import Actor
    from zabota.stores.models import ALL_SCOPES, Store

    call_command("migrate", verbosity=0, interactive=False)
    items = json.loads(Path(workload_path).read_text(encoding="utf-8"))
    result: dict[str, Any] = {"backend": connection.vendor, "messages": len(items)}

    def new_store(slug: str) -> Store:
        return Store.objects.create(name=slug, slug=slug)

    def inbound(item: dict[str, str]) -> Inbound:
        return Inbound(
            channel="api",
            identity_kind="email",
            identity_value=item["email"],
            sender_name=item["name"],
            text=item["text"],
            subject=item["subject"],
            external_id=item["key"],
            external_thread_id=item["thread_id"],
        )

    def check(store: Store, label: str) -> None:
        got = Message.objects.for_store(store).count()
        threads = len({i["thread_id"] for i in items})
        conversations = Conversation.objects.for_store(store).count()
        result[f"{label}_check"] = {"messages": got, "conversations": conversations, "threads": threads}
        if got != len(items) or conversations != threads:
            result[f"{label}_error"] = f"stored {got} messages / {conversations} conversations"

    # 1. the action layer
    store = new_store("actions")
    started = time.perf_counter()
    for item in items:
        deliver(store=store, inbound=inbound(item))
    elapsed = time.perf_counter() - started
    result["zabota_actions_per_s"] = len(items) / elapsed
    check(store, "actions")

    # 1b. the action layer, batched (receive_batch: the same rules, set-based queries)
    store = new_store("actions-batch")
    started = time.perf_counter()
    for start in range(0, len(items), batch_size):
        receive_batch(store=store, inbounds=[inbound(item) for item in items[start : start + batch_size]])
    elapsed = time.perf_counter() - started
    result["zabota_actions_batch_per_s"] = len(items) / elapsed
    check(store, "actions_batch")

    # queries per message on a warm store (separate, untimed)
    sample = new_store("queries")
    sample_items = items[: min(200, len(items))]
    with CaptureQueriesContext(connection) as captured:
        for item in sample_items:
            deliver(store=sample, inbound=inbound(item))
    result["zabota_queries_per_message"] = round(len(captured.captured_queries) / len(sample_items), 2)

    # 2 and 3. the HTTP API, in-process through Django's test Client
    client = Client()

    def body(item: dict[str, str]) -> dict[str, Any]:
        return {
            "idempotency_key": item["key"],
            "customer": {"kind": "email", "value": item["email"], "name": item["name"]},
            "text": item["text"],
            "subject": item["subject"],
            "thread_id": item["thread_id"],
        }

    for label, path in (("api", "/api/v1/inbound/messages"), ("api_batch", "/api/v1/inbound/messages/batch")):
        try:
            resolve(path)
        except Resolver404:
            result[f"zabota_{label}_per_s"] = None
            result[f"zabota_{label}_error"] = f"{path} is not routed (the inbound API is not there yet)"
            continue
        store = new_store(label.replace("_", "-"))
        _token, raw = create_token(store=store, name="bench", scopes=list(ALL_SCOPES), by=Actor.system())
        headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        statuses: dict[int, int] = {}
        started = time.perf_counter()
        if label == "api":
            for item in items:
                response = client.post(path, data=body(item), content_type="application/json", **headers)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        else:
            for start in range(0, len(items), batch_size):
                chunk = [body(item) for item in items[start : start + batch_size]]
                response = client.post(
                    path, data={"messages": chunk}, content_type="application/json", **headers
                )
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        elapsed = time.perf_counter() - started
        result[f"zabota_{label}_per_s"] = len(items) / elapsed
        result[f"zabota_{label}_statuses"] = statuses
        if any(code >= 300 for code in statuses):
            result[f"zabota_{label}_error"] = f"HTTP statuses {statuses}"
        check(store, f"zabota_{label}")
    return result


# ----------------------------------------------------------------------------- orchestration


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _fresh_pg(name: str) -> str:
    _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def ensure_helpdesk_venv() -> tuple[Path | None, str]:
    python = HELPDESK_VENV / "bin" / "python"
    if python.exists():
        return python, ""
    steps = (
        ["python3", "-m", "venv", str(HELPDESK_VENV)],
        [str(python), "-m", "pip", "install", "-q", "django-helpdesk", "psycopg[binary]"],
    )
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            return None, f"{' '.join(step[:4])} failed: {done.stderr.strip()[-400:]}"
    return python, ""


def _json_tail(text: str) -> dict[str, Any]:
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return dict(json.loads(line))
    raise ValueError("no JSON line in the output")


def measure(backend: str, items_path: str, batch_size: int, helpdesk_python: Path | None) -> dict[str, Any]:
    tmp = tempfile.mkdtemp(prefix=f"bench-{backend}-")
    if backend == "sqlite":
        zabota_url = f"sqlite:///{tmp}/zabota.sqlite3"
        helpdesk_env = {"BENCH_DB_ENGINE": "sqlite", "BENCH_DB_NAME": f"{tmp}/helpdesk.sqlite3"}
    else:
        zabota_url = _fresh_pg(PG_DATABASES["zabota"])
        _fresh_pg(PG_DATABASES["helpdesk"])
        helpdesk_env = {"BENCH_DB_ENGINE": "postgresql", "BENCH_DB_NAME": PG_DATABASES["helpdesk"]}
    figures: dict[str, Any] = {}
    try:
        done = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--worker", backend, zabota_url, items_path, str(batch_size)],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        if done.returncode != 0:
            figures["zabota_error"] = done.stderr.strip()[-1500:]
        else:
            figures.update(_json_tail(done.stdout))
        if helpdesk_python is None:
            figures["helpdesk_per_s"] = None
        else:
            env = {**os.environ, **helpdesk_env}
            env.pop("DJANGO_SETTINGS_MODULE", None)
            done = subprocess.run(  # noqa: S603
                [str(helpdesk_python), str(BENCH / "helpdesk_driver.py"), items_path],
                capture_output=True,
                text=True,
                check=False,
                env=env,
            )
            if done.returncode != 0:
                figures["helpdesk_per_s"] = None
                figures["helpdesk_error"] = done.stderr.strip()[-1500:]
            else:
                helpdesk = _json_tail(done.stdout)
                figures["helpdesk_per_s"] = helpdesk["per_s"]
                figures["helpdesk_version"] = helpdesk["helpdesk_version"]
    finally:
        if backend == "postgresql":
            for name in PG_DATABASES.values():
                _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    base = figures.get("helpdesk_per_s")
    for key in ("actions", "actions_batch", "api", "api_batch"):
        value = figures.get(f"zabota_{key}_per_s")
        figures[f"ratio_{key}_vs_helpdesk"] = round(value / base, 2) if value and base else None
    return figures


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if isinstance(value, float) else str(value)


def table(results: dict[str, dict[str, Any]]) -> str:
    rows = [
        ("Zabota actions (deliver), msg/s", "zabota_actions_per_s"),
        ("Zabota actions batch, msg/s", "zabota_actions_batch_per_s"),
        ("Zabota API single POST, msg/s", "zabota_api_per_s"),
        ("Zabota API batch POST, msg/s", "zabota_api_batch_per_s"),
        ("django-helpdesk models, msg/s", "helpdesk_per_s"),
        ("actions / helpdesk", "ratio_actions_vs_helpdesk"),
        ("actions batch / helpdesk", "ratio_actions_batch_vs_helpdesk"),
        ("API single / helpdesk", "ratio_api_vs_helpdesk"),
        ("API batch / helpdesk", "ratio_api_batch_vs_helpdesk"),
        ("Zabota SQL queries per message", "zabota_queries_per_message"),
    ]
    backends = list(results)
    lines = [f"{'':34}" + "".join(f"{b:>14}" for b in backends)]
    for label, key in rows:
        lines.append(f"{label:34}" + "".join(f"{_fmt(results[b].get(key)):>14}" for b in backends))
    for backend, figures in results.items():
        for key, value in figures.items():
            if key.endswith("_error"):
                lines.append(f"! {backend} {key}: {str(value).splitlines()[-1][:300]}")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _backend, url, path, batch = sys.argv[2:6]
        print(json.dumps(run_zabota(_backend, url, path, int(batch))))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a small run (200 messages)")
    parser.add_argument("--messages", type=int, default=0, help="messages per measurement")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    messages = args.messages or (200 if args.quick else 4000)
    started = time.perf_counter()
    helpdesk_python, helpdesk_problem = ensure_helpdesk_venv()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as handle:
        json.dump(workload(messages), handle, ensure_ascii=False)
    results: dict[str, dict[str, Any]] = {}
    for backend in args.backends.split(","):
        results[backend] = measure(backend, handle.name, args.batch_size, helpdesk_python)
        if helpdesk_problem:
            results[backend]["helpdesk_error"] = helpdesk_problem
    os.unlink(handle.name)
    print(f"Inbound messages per second, {messages} messages per measurement, one core:")
    print(table(results))
    print(f"({time.perf_counter() - started:.0f} s)")
    summary: dict[str, Any] = {
        backend: {k: (round(v, 1) if isinstance(v, float) else v) for k, v in figures.items()}
        for backend, figures in results.items()
    }
    summary.update({"messages": messages, "quick": args.quick, "api_driver": "django.test.Client"})
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
