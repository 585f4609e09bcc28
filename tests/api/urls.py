"""Only the API, so that these tests do not depend on the workspace pages being importable."""

from django.urls import path

from config.api import api

urlpatterns = [path("api/v1/", api.urls)]
