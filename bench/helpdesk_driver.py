"""Runs inside bench/.venv-helpdesk: the ingest workload on django-helpdesk through its own models.

A new thread becomes a ``Ticket`` (queue, title, submitter_email, description); a continuation becomes a
``FollowUp`` on that ticket. One transaction per message, as Zabota does. Prints one JSON object.

    bench/.venv-helpdesk/bin/python bench/helpdesk_driver.py WORKLOAD.json
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    os.environ["DJANGO_SETTINGS_MODULE"] = "helpdesk_settings"
    import django

    django.setup()
    import helpdesk
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone
    from helpdesk.models import FollowUp, Queue, Ticket

    call_command("migrate", verbosity=0, interactive=False)
    with open(sys.argv[1], encoding="utf-8") as handle:
        workload = json.load(handle)
    queue = Queue.objects.create(title="Поддержка", slug="support", email_address="support@example.ru")
    tickets: dict[str, int] = {}
    started = time.perf_counter()
    for item in workload:
        with transaction.atomic():
            ticket_id = tickets.get(item["thread_id"])
            if ticket_id is None:
                ticket = Ticket(
                    queue=queue,
                    title=item["subject"],
                    submitter_email=item["email"],
                    description=item["text"],
                )
                ticket.save()
                tickets[item["thread_id"]] = ticket.pk
            else:
                ticket = Ticket.objects.get(pk=ticket_id)
                FollowUp(
                    ticket=ticket,
                    title=item["subject"],
                    comment=item["text"],
                    public=True,
                    date=timezone.now(),
                ).save()
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "helpdesk_version": getattr(helpdesk, "__version__", None) or _version(),
                "vendor": connection.vendor,
                "messages": len(workload),
                "seconds": elapsed,
                "per_s": len(workload) / elapsed,
                "tickets": Ticket.objects.count(),
                "followups": FollowUp.objects.count(),
            }
        )
    )


def _version() -> str:
    from importlib.metadata import version

    return version("django-helpdesk")


if __name__ == "__main__":
    main()
