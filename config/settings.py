"""Zabota settings: one file, every value from the environment (see README for the list)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from zabota.core.env import env, env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("ZABOTA_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("ZABOTA_DEBUG", False)
SECRET_KEY = env("ZABOTA_SECRET_KEY", "insecure-dev-key-change-me" if DEBUG else None)
ALLOWED_HOSTS = env_list("ZABOTA_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("ZABOTA_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "zabota.core",
    "zabota.stores",
    "zabota.webhooks",
    "zabota.customers",
    "zabota.notify",
    "zabota.sla",
    "zabota.connectors",
    "zabota.announcements",
    "zabota.conversations",
    "zabota.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "zabota.stores.middleware.CurrentAgentMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "zabota.stores.context_processors.workspace",
            ],
        },
    },
]

_DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'zabota.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL", _DEFAULT_SQLITE), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inbox"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = env("ZABOTA_LANGUAGE", "ru")
LANGUAGES = [("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "zabota" / "locale"]
TIME_ZONE = env("ZABOTA_TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("ZABOTA_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

REDIS_URL = env("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

TASKS = {
    "default": {
        "BACKEND": env("ZABOTA_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "webhooks", "inbound"],
    }
}

# Product limits and behaviour.
ZABOTA_MAX_ATTACHMENT_BYTES = env_int("ZABOTA_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024)
# A request body may carry a 20 MB attachment as base64 (+33 %) or a batch of 500 messages.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("ZABOTA_MAX_REQUEST_BYTES", 32 * 1024 * 1024)
ZABOTA_MAX_MESSAGE_CHARS = env_int("ZABOTA_MAX_MESSAGE_CHARS", 100_000)
ZABOTA_ALLOWED_ATTACHMENT_TYPES = env_list(
    "ZABOTA_ALLOWED_ATTACHMENT_TYPES",
    [
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ],
)
ZABOTA_WEBHOOK_TIMEOUT_SECONDS = env_int("ZABOTA_WEBHOOK_TIMEOUT_SECONDS", 10)
ZABOTA_WEBHOOK_MAX_ATTEMPTS = env_int("ZABOTA_WEBHOOK_MAX_ATTEMPTS", 8)
ZABOTA_WEBHOOK_ALLOW_PRIVATE = env_bool("ZABOTA_WEBHOOK_ALLOW_PRIVATE", DEBUG)
ZABOTA_API_PAGE_SIZE = env_int("ZABOTA_API_PAGE_SIZE", 50)

# Notifications to agents (zabota.notify): outgoing email, Telegram Bot API, links in messages.
EMAIL_BACKEND = env("ZABOTA_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("ZABOTA_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("ZABOTA_EMAIL_PORT", 25)
EMAIL_HOST_USER = env("ZABOTA_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env("ZABOTA_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("ZABOTA_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("ZABOTA_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("ZABOTA_EMAIL_TIMEOUT_SECONDS", 30)
DEFAULT_FROM_EMAIL = env("ZABOTA_DEFAULT_FROM_EMAIL", "zabota@localhost")
ZABOTA_BASE_URL = env("ZABOTA_BASE_URL", "http://localhost:8000")
ZABOTA_TELEGRAM_API_URL = env("ZABOTA_TELEGRAM_API_URL", "https://api.telegram.org")
ZABOTA_TELEGRAM_TIMEOUT_SECONDS = env_int("ZABOTA_TELEGRAM_TIMEOUT_SECONDS", 10)

# Worker and scheduler (`zabota worker`, docs/operations.md).
ZABOTA_WORKER_HEARTBEAT_SECONDS = env_int("ZABOTA_WORKER_HEARTBEAT_SECONDS", 5)
ZABOTA_WORKER_STALE_SECONDS = env_int("ZABOTA_WORKER_STALE_SECONDS", 60)
ZABOTA_WORKER_MAX_CLAIMS = env_int("ZABOTA_WORKER_MAX_CLAIMS", 3)
ZABOTA_SCHEDULER_LEASE_SECONDS = env_int("ZABOTA_SCHEDULER_LEASE_SECONDS", 30)
ZABOTA_INBOUND_RETRY_AFTER_MINUTES = env_int("ZABOTA_INBOUND_RETRY_AFTER_MINUTES", 5)
ZABOTA_IMAP_TIMEOUT_SECONDS = env_int("ZABOTA_IMAP_TIMEOUT_SECONDS", 30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("ZABOTA_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
