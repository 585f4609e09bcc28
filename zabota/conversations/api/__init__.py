"""API of conversations, messages, tags, macros and scripts, customer merges, and inbound messages."""

from __future__ import annotations

from ninja import Router

from zabota.conversations.api import conversations, library, messages, operations, targets
from zabota.conversations.api.customer_merges import router as customer_merges_router
from zabota.conversations.api.inbound import router as inbound_router
from zabota.conversations.api.inbound_email import router as inbound_email_router

conversations_router = Router()
conversations_router.add_router("", conversations.router)
conversations_router.add_router("", operations.router)
conversations_router.add_router("", messages.router)
conversations_router.add_router("", library.router)
conversations_router.add_router("", targets.router)
inbound_router.add_router("", inbound_email_router)

__all__ = ["conversations_router", "customer_merges_router", "inbound_router"]
