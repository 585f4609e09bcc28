"""Macros and conversation scripts under ``/settings/`` (conversations owns the models and actions)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from zabota.conversations import views_email
from zabota.conversations.views_manage import macros, scripts

app_name = "manage"

urlpatterns: list[URLPattern | URLResolver] = [
    path("macros/", macros.macro_list, name="macros"),
    path("macros/new/", macros.macro_create, name="macro_create"),
    path("macros/<int:pk>/", macros.macro_edit, name="macro_edit"),
    path("macros/<int:pk>/active/", macros.macro_set_active, name="macro_set_active"),
    path("macros/<int:pk>/delete/", macros.macro_delete, name="macro_delete"),
    path("scripts/", scripts.script_list, name="scripts"),
    path("scripts/new/", scripts.script_create, name="script_create"),
    path("scripts/<int:pk>/", scripts.script_edit, name="script_edit"),
    path("scripts/<int:pk>/delete/", scripts.script_delete, name="script_delete"),
    path("email/received/", views_email.raw_email_list, name="raw_emails"),
    path("email/received/<int:pk>.eml", views_email.raw_email_download, name="raw_email_download"),
    path("email/received/<int:pk>/process/", views_email.raw_email_process, name="raw_email_process"),
]
