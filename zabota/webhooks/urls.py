"""Webhook settings pages (administrators only)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from zabota.webhooks import views

app_name = "webhooks"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.subscription_list, name="list"),
    path("new/", views.subscription_create, name="create"),
    path("<int:pk>/", views.subscription_edit, name="edit"),
    path("<int:pk>/active/", views.subscription_set_active, name="set_active"),
    path("<int:pk>/delete/", views.subscription_delete, name="delete"),
    path("<int:pk>/deliveries/", views.delivery_log, name="deliveries"),
    path("<int:pk>/deliveries/<int:delivery_id>/retry/", views.delivery_retry, name="redeliver"),
]
