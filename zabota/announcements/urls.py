"""Pages of the announcements app."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "announcements"

urlpatterns: list[URLPattern | URLResolver] = []
