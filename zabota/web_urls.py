"""URL map of the agent workspace (server-rendered pages); each app owns its ``urls.py``."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("customers/", include("zabota.conversations.customer_urls")),
    path("settings/", include("zabota.conversations.manage_urls")),
    path("settings/", include("zabota.stores.urls")),
    path("settings/webhooks/", include("zabota.webhooks.urls")),
    path("settings/email/", include("zabota.connectors.urls")),
    path("settings/tasks/", include("zabota.core.urls")),
    path("settings/service-targets/", include("zabota.sla.urls")),
    path("notifications/", include("zabota.notify.urls")),
    path("announcements/", include("zabota.announcements.urls")),
    path("", include("zabota.conversations.urls")),
]
