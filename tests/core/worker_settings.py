"""Settings of the worker processes the subprocess tests start (database from DATABASE_URL)."""

import os

os.environ.setdefault("ZABOTA_SECRET_KEY", "test-secret-key")

from config.settings import *  # noqa: E402,F403
from config.settings import INSTALLED_APPS  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "tests.core.workerapp"]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
ZABOTA_WORKER_HEARTBEAT_SECONDS = 0.5
ZABOTA_WORKER_STALE_SECONDS = 3
ZABOTA_SCHEDULER_LEASE_SECONDS = 3
LOGGING = {"version": 1, "disable_existing_loggers": False}
