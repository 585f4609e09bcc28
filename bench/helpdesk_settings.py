"""Minimal settings for django-helpdesk in its own virtualenv (bench/.venv-helpdesk), for bench/ingest.py.

The database comes from BENCH_DB_ENGINE / BENCH_DB_NAME (SQLite file in WAL mode, or PostgreSQL),
matching what Zabota gets in the same run.
"""

import os

SECRET_KEY = "bench-only"
DEBUG = False
USE_TZ = True
TIME_ZONE = "Europe/Moscow"
SITE_ID = 1
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.sites",
    "django.contrib.messages",
    "django.contrib.humanize",
    "rest_framework",
    "helpdesk",
]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "helpdesk.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
HELPDESK_TEAMS_MODE_ENABLED = False

if os.environ.get("BENCH_DB_ENGINE", "sqlite") == "postgresql":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ["BENCH_DB_NAME"],
            "USER": os.environ.get("BENCH_DB_USER", "postgres"),
            "HOST": os.environ.get("BENCH_DB_HOST", "127.0.0.1"),
            "PORT": os.environ.get("BENCH_DB_PORT", "5432"),
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ["BENCH_DB_NAME"],
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
