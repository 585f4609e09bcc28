"""``seed_demo``: the Russian demo store «Пример», idempotent; ``--reset`` drops and recreates it."""

from __future__ import annotations

import os
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from zabota.conversations.models import Conversation
from zabota.demo import seed as demo
from zabota.demo.data.people import AGENTS
from zabota.stores.models import ApiToken


class Command(BaseCommand):
    help = "Create the Russian demo store «Пример» with agents, customers and 200 conversations."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--reset", action="store_true", help="Drop the demo store and seed it again.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"]:
            demo.drop()
            self.stdout.write("Dropped the demo store.")
        store = demo.existing_store()
        if store is not None:
            self.stdout.write(
                f"The demo store «{store.name}» is already seeded "
                f"({Conversation.objects.for_store(store).count()} conversations). "
                "Run with --reset to recreate it."
            )
            token = ApiToken.objects.for_store(store).usable().filter(agent__isnull=True).first()
            token_line = (
                f"{token.prefix}… (shown once when seeded; --reset makes a new one)" if token else "none"
            )
            self._footer(token_line)
            return
        started = time.monotonic()
        result = demo.seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded «{result.store.name}»: {result.conversations} conversations "
                f"in {time.monotonic() - started:.1f} s."
            )
        )
        self._footer(result.token)

    def _footer(self, token: str) -> None:
        port = os.environ.get("PORT", "8000")
        base = f"http://127.0.0.1:{port}"
        self.stdout.write(f"\nWorkspace:  {base}/")
        self.stdout.write(f"API docs:   {base}/api/v1/docs")
        self.stdout.write(f"API token:  {token}  (integration, all scopes)")
        self.stdout.write("\nLogins:")
        for agent in AGENTS:
            self.stdout.write(
                f"  {agent.username:<8} / {agent.password:<11} {agent.display_name} "
                f"({agent.role}, {agent.tier.upper()})"
            )
