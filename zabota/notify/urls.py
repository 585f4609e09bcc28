"""Pages of the notify app: the list, the bell's count, and the agent's preferences."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from zabota.notify import views

app_name = "notify"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.notification_list, name="list"),
    path("bell/", views.bell, name="bell"),
    path("read-all/", views.notification_read_all, name="read_all"),
    path("<int:pk>/read/", views.notification_read, name="read"),
    path("<int:pk>/open/", views.notification_open, name="open"),
    path("preferences/", views.preferences, name="preferences"),
    path("preferences/test-telegram/", views.test_telegram, name="test_telegram"),
    path("preferences/bot-token/", views.save_bot_token, name="bot_token"),
    path("deliveries/<int:pk>/retry/", views.retry_delivery, name="retry_delivery"),
]
