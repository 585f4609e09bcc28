"""Conversation stories: what customers ask and how agents answer, per category.

A turn is ``(kind, text)``: ``c`` customer, ``a`` agent reply, ``n`` internal note, ``m`` a macro by name.
Texts use ``{order}``, ``{first}`` (customer's first name), ``{agent}`` (agent's first name), ``{track}``,
``{amount}`` and ``{size}``; the seed fills them in.
"""

from __future__ import annotations

from zabota.demo.data.stories_after_sale import DELIVERY, PAYMENT, RETURNS
from zabota.demo.data.stories_before_sale import CONSULTATION, ORDER, OTHER, PRODUCT, TECHNICAL
from zabota.demo.data.story import Story

__all__ = ["CHANNELS_BY_CATEGORY", "STORIES", "Story"]

STORIES: tuple[Story, ...] = DELIVERY + RETURNS + PAYMENT + PRODUCT + ORDER + CONSULTATION + TECHNICAL + OTHER

# Where each category's conversations usually arrive.
CHANNELS_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "delivery": ("chat", "telegram", "phone", "whatsapp", "email"),
    "return": ("email", "webform", "chat", "telegram"),
    "payment": ("email", "phone", "chat", "api"),
    "product": ("email", "webform", "vk", "chat"),
    "order": ("chat", "api", "telegram", "whatsapp"),
    "consultation": ("chat", "vk", "telegram", "phone"),
    "technical": ("chat", "email", "api", "webform"),
    "other": ("email", "vk", "webform"),
}
