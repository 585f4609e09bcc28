"""Mailbox settings pages under ``/settings/email/`` (administrators only)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from zabota.connectors import views

app_name = "email"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.mailbox_list, name="list"),
    path("new/", views.mailbox_create, name="create"),
    path("<int:pk>/", views.mailbox_edit, name="edit"),
    path("<int:pk>/delete/", views.mailbox_delete, name="delete"),
    path("<int:pk>/secret/", views.mailbox_rotate_secret, name="rotate_secret"),
    path("<int:pk>/test/", views.mailbox_test, name="test"),
]
