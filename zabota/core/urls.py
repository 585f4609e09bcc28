"""Failed background tasks (dead letters), under ``settings/tasks/``."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from zabota.core import deadletter_views

app_name = "core"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", deadletter_views.dead_letter_list, name="dead_letters"),
    path("<int:pk>/retry/", deadletter_views.dead_letter_retry, name="dead_letter_retry"),
    path("<int:pk>/discard/", deadletter_views.dead_letter_discard, name="dead_letter_discard"),
]
