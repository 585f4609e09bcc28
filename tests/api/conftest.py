from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_token


@pytest.fixture(autouse=True)
def _api_urls(settings):
    settings.ROOT_URLCONF = "tests.api.urls"


class ApiClient:
    """The Django test client with a bearer token and JSON bodies."""

    def __init__(self, raw_token: str | None) -> None:
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw_token}"} if raw_token else {}

    def _url(self, path: str) -> str:
        return "/api/v1" + path

    def get(self, path, params=None):
        return self.client.get(self._url(path), params or {}, **self.headers)

    def post(self, path, data=None, raw: str | bytes | None = None):
        body = raw if raw is not None else __import__("json").dumps(data if data is not None else {})
        return self.client.post(self._url(path), body, content_type="application/json", **self.headers)

    def patch(self, path, data):
        return self.client.patch(
            self._url(path), __import__("json").dumps(data), content_type="application/json", **self.headers
        )

    def delete(self, path):
        return self.client.delete(self._url(path), **self.headers)


@pytest.fixture
def api(store):
    """An integration token of ``store`` with every scope."""
    return ApiClient(make_token(store))


@pytest.fixture
def make_client():
    return ApiClient
