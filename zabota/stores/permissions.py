"""Role-based permissions. Integrations act with the scopes of their token, checked at the API."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext as _

from zabota.core.errors import PermissionDenied
from zabota.stores.actors import Actor
from zabota.stores.models import Role, Store


class Perm(StrEnum):
    WORK_CONVERSATIONS = "work_conversations"
    ASSIGN_OTHERS = "assign_others"
    MERGE_CONVERSATIONS = "merge_conversations"
    MERGE_CUSTOMERS = "merge_customers"
    MANAGE_MACROS = "manage_macros"
    MANAGE_SCRIPTS = "manage_scripts"
    MANAGE_WEBHOOKS = "manage_webhooks"
    MANAGE_TOKENS = "manage_tokens"
    MANAGE_TEAM = "manage_team"
    MANAGE_STORE = "manage_store"
    MANAGE_ANNOUNCEMENTS = "manage_announcements"
    MANAGE_SERVICE_TARGETS = "manage_service_targets"


_ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.AGENT: frozenset({Perm.WORK_CONVERSATIONS, Perm.MERGE_CONVERSATIONS}),
    Role.LEAD: frozenset(
        {
            Perm.WORK_CONVERSATIONS,
            Perm.ASSIGN_OTHERS,
            Perm.MERGE_CONVERSATIONS,
            Perm.MERGE_CUSTOMERS,
            Perm.MANAGE_MACROS,
            Perm.MANAGE_SCRIPTS,
            Perm.MANAGE_ANNOUNCEMENTS,
            Perm.MANAGE_SERVICE_TARGETS,
        }
    ),
    Role.ADMIN: frozenset(Perm),
}


def _store_id(store: Store | int | None) -> int | None:
    return store.pk if isinstance(store, Store) else store


def acts_for(actor: Actor, store: Store | int) -> bool:
    """Whether the actor's agent or token belongs to ``store``; system, bot and customer act anywhere."""
    store_id = _store_id(store)
    if actor.agent is not None and actor.agent.store_id != store_id:
        return False
    return not (actor.token is not None and actor.token.store_id != store_id)


def has_perm(actor: Actor, perm: Perm, *, store: Store | int | None = None) -> bool:
    """``store``, when given, also requires the actor to belong to that store."""
    if store is not None and not acts_for(actor, store):
        return False
    if actor.kind in ("system", "integration", "bot", "customer"):
        return True
    if actor.agent is None or not actor.agent.is_active:
        return False
    return perm in _ROLE_PERMS.get(actor.agent.role, frozenset())


def require(actor: Actor, perm: Perm, *, store: Store | int | None = None) -> None:
    if not has_perm(actor, perm, store=store):
        raise PermissionDenied(_("Your role does not allow this action."), code="permission_denied")
