"""``zabota serve``: the web server (uvicorn, ASGI) and one worker with the scheduler, in one command.

The worker is a child process (``zabota worker``), not a thread: a task that blocks, leaks memory or
crashes cannot take the web server with it, the worker keeps its own signal handling, and on SQLite the
two processes share the database through WAL and the busy timeout (ADR 0008). A watchdog thread starts
the worker again if it exits while the server runs.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

logger = logging.getLogger(__name__)


class WorkerProcess:
    """One ``zabota worker`` child, restarted with a growing pause when it dies unexpectedly."""

    def __init__(self, command: list[str]):
        self.command = command
        self.process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._watchdog = threading.Thread(target=self._watch, name="zabota-worker-watchdog", daemon=True)

    def start(self) -> None:
        self.process = subprocess.Popen(self.command)  # noqa: S603
        self._watchdog.start()

    def _watch(self) -> None:
        pause = 1.0
        while not self._stopping.wait(1.0):
            process = self.process
            if process is None or process.poll() is None:
                pause = 1.0
                continue
            logger.warning(
                "the worker exited with code %s; starting it again in %.0f s", process.returncode, pause
            )
            if self._stopping.wait(pause):
                return
            pause = min(pause * 2, 60.0)
            self.process = subprocess.Popen(self.command)  # noqa: S603

    def stop(self) -> None:
        self._stopping.set()
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


class Command(BaseCommand):
    help = "Serve Zabota on one machine: web server plus one background worker with the scheduler."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="Do not start the background worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        import uvicorn

        worker = None
        if not options["no_worker"]:
            worker = WorkerProcess(
                [sys.executable, "-m", "zabota.cli", "worker", "--queue-name", "*", "--interval", "1"]
            )
            worker.start()
        try:
            uvicorn.run(
                "config.asgi:application", host=options["host"], port=options["port"], log_level="info"
            )
        finally:
            if worker is not None:
                worker.stop()
