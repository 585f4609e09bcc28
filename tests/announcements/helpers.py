"""Helpers of the announcements tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from zabota.announcements import actions
from zabota.announcements.actions import Draft
from zabota.announcements.models import Announcement
from zabota.stores.actors import Actor
from zabota.stores.models import Store


def publish(store: Store, by: Actor | None = None, **fields: Any) -> Announcement:
    fields.setdefault("title", "Новая акция")
    return actions.publish(store=store, draft=Draft(**fields), by=by or Actor.system())


def hours(n: float) -> datetime:
    return timezone.now() + timedelta(hours=n)
