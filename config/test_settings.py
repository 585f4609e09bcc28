"""Test settings: the same file, with fast hashing, a temp media root and immediate tasks."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("ZABOTA_SECRET_KEY", "test-secret-key")

from config.settings import *  # noqa: E402,F403

# The product speaks Russian by default; tests assert the English msgids unless they switch
# (tests/web/test_i18n.py checks the Russian default and the switch).
LANGUAGE_CODE = "en"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="zabota-test-media-"))
TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": []}}
ZABOTA_WEBHOOK_ALLOW_PRIVATE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="zabota-test-static-"))
