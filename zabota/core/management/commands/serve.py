"""``zabota serve``: the web server (uvicorn, ASGI) and one task worker in one command."""

from __future__ import annotations

import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Zabota on one machine: web server plus one background worker."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="Do not start the background worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        import uvicorn

        worker = None
        if not options["no_worker"]:
            worker = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "zabota.cli", "db_worker", "--queue-name", "*", "--interval", "1"],
            )
        try:
            uvicorn.run(
                "config.asgi:application", host=options["host"], port=options["port"], log_level="info"
            )
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
