"""Pages of the sla app."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "sla"

urlpatterns: list[URLPattern | URLResolver] = []
