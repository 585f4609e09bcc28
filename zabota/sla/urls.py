"""Pages of the sla app: ``/settings/service-targets/``."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from zabota.sla import views

app_name = "sla"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.policy_list, name="policies"),
    path("defaults/", views.policy_defaults, name="policy_defaults"),
    path("policies/new/", views.policy_edit, name="policy_create"),
    path("policies/<int:pk>/", views.policy_edit, name="policy_edit"),
    path("policies/<int:pk>/delete/", views.policy_delete, name="policy_delete"),
    path("policies/<int:pk>/move/", views.policy_move, name="policy_move"),
    path("calendars/", views.calendar_list, name="calendars"),
    path("calendars/new/", views.calendar_edit, name="calendar_create"),
    path("calendars/<int:pk>/", views.calendar_edit, name="calendar_edit"),
    path("calendars/<int:pk>/delete/", views.calendar_delete, name="calendar_delete"),
    path("calendars/<int:pk>/import/", views.calendar_import, name="calendar_import"),
]
