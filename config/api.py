"""The REST API: one NinjaAPI assembled from each app's router."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(title="Zabota API", version="1", urls_namespace="api", docs_url="/docs")
