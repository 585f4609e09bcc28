"""Customer pages. They live in conversations because profiles list conversations and merges move them."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from zabota.conversations.views_customers import listing, merge, profile

app_name = "customers"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", listing.customer_list, name="list"),
    path("<int:pk>/", profile.customer_detail, name="detail"),
    path("<int:pk>/name/", profile.customer_rename, name="rename"),
    path("<int:pk>/tags/", profile.customer_tags, name="tags"),
    path("<int:pk>/identities/", profile.identity_add, name="identity_add"),
    path("<int:pk>/identities/<int:identity_id>/remove/", profile.identity_remove, name="identity_remove"),
    path("<int:pk>/notes/", profile.note_add, name="note_add"),
    path("<int:pk>/merge/", merge.customer_merge, name="merge"),
    path("merges/<int:merge_id>/undo/", merge.merge_undo, name="merge_undo"),
]
