"""The REST API: one NinjaAPI assembled from each app's router."""

from __future__ import annotations

from ninja import NinjaAPI

from zabota.announcements.api import router as announcements_router
from zabota.conversations.api import conversations_router, customer_merges_router, inbound_router
from zabota.core.api import install_error_handlers
from zabota.customers.api import router as customers_router
from zabota.notify.api import router as notifications_router
from zabota.stores.api import router as directory_router
from zabota.webhooks.api import router as webhooks_router

api = NinjaAPI(
    title="Zabota API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    description=(
        "Token auth: `Authorization: Bearer <token>`. Errors are always "
        '`{"code", "message", "field"}`. Lists are cursor-paginated: `?cursor=&limit=`.'
    ),
)
install_error_handlers(api)

api.add_router("", directory_router)
api.add_router("", conversations_router)
api.add_router("", customers_router)
api.add_router("", customer_merges_router)
api.add_router("", inbound_router)
api.add_router("", webhooks_router)
api.add_router("", notifications_router)
api.add_router("", announcements_router)
