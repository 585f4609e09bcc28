"""Pages of the announcements app."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from zabota.announcements import views

app_name = "announcements"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.announcement_list, name="list"),
    path("new/", views.announcement_create, name="create"),
    path("settings/", views.announcement_options, name="options"),
    path("banner/", views.banner, name="banner"),
    path("<int:pk>/", views.announcement_detail, name="detail"),
    path("<int:pk>/edit/", views.announcement_edit, name="edit"),
    path("<int:pk>/archive/", views.announcement_archive, name="archive"),
    path("<int:pk>/read/", views.announcement_read, name="read"),
    path("<int:pk>/acknowledge/", views.announcement_acknowledge, name="acknowledge"),
    path("<int:pk>/receipts/", views.announcement_receipts, name="receipts"),
]
