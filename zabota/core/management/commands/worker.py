"""``zabota worker``: run background tasks and (unless ``--no-scheduler``) the periodic scheduler.

It is django-tasks-db's ``db_worker`` (same loop, same flags) with a supervisor thread: heartbeat,
scheduler lease, periodic jobs, crash recovery and dead letters. Run as many as you like; only the
lease holder schedules.
"""

from __future__ import annotations

import logging
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker, validate_worker_id

from zabota.core.worker import Supervisor, beat, new_worker_id

logger = logging.getLogger(__name__)


class Command(DbWorkerCommand):
    help = "Run Zabota's background worker: tasks from the database queue plus the periodic scheduler."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="Only run tasks; never take the scheduler lease (periodic jobs, crash recovery).",
        )
        parser.add_argument(
            "--tick", type=float, default=1.0, help="Seconds between scheduler ticks (default: %(default)s)."
        )
        parser.set_defaults(queue_name="*", reload=False)
        for action in parser._actions:
            if action.dest == "worker_id":
                action.default = None
                action.type = validate_worker_id

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity: int = options["verbosity"]
        self.configure_logging(verbosity)
        if options.get("reload"):
            logger.warning("--reload is not supported by `zabota worker`; running without it.")
        worker_id: str = options["worker_id"] or new_worker_id()
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        supervisor = Supervisor(
            worker_id,
            queues=options["queue_name"],
            scheduler=not options["no_scheduler"],
            tick=options["tick"],
        )
        # The heartbeat exists before the first claim, so recovery never mistakes this worker for a dead one.
        beat(worker_id, now=timezone.now(), queues=options["queue_name"])
        supervisor.start()
        worker.configure_signals()
        try:
            worker.run()
        finally:
            worker.reset_signals()
            supervisor.shutdown()
