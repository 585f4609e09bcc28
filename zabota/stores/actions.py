"""Writes to stores: API tokens, agents and teams."""

from __future__ import annotations

import re
import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zabota.core.errors import Conflict, InvalidInput
from zabota.stores import vocabulary
from zabota.stores.actors import Actor
from zabota.stores.models import ALL_SCOPES, Agent, ApiToken, Role, Store, Team, Tier, hash_token
from zabota.stores.permissions import Perm, require


def create_token(
    *, store: Store, name: str, scopes: list[str], by: Actor, agent: Agent | None = None
) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and only its hash is stored."""
    if agent is None or by.agent is None or agent.pk != by.agent.pk:
        require(by, Perm.MANAGE_TOKENS, store=store)
    else:
        # a personal token: any active member of the store may create one, a deactivated one may not
        require(by, Perm.WORK_CONVERSATIONS, store=store)
    if not name.strip():
        raise InvalidInput(_("Give the token a name."), field="name")
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown:
        raise InvalidInput(_("Unknown scopes: %(scopes)s.") % {"scopes": ", ".join(unknown)}, field="scopes")
    if not scopes:
        raise InvalidInput(_("Choose at least one scope."), field="scopes")
    if agent is not None and agent.store_id != store.pk:
        raise InvalidInput(_("The agent does not belong to this store."), field="agent")
    raw = "zb_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        store=store,
        name=name.strip()[:120],
        agent=agent,
        scopes=sorted(set(scopes)),
        prefix=raw[:10],
        token_hash=hash_token(raw),
    )
    return token, raw


def revoke_token(*, token: ApiToken, by: Actor) -> ApiToken:
    if token.agent is None or by.agent is None or token.agent_id != by.agent.pk:
        require(by, Perm.MANAGE_TOKENS, store=token.store_id)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


def create_team(*, store: Store, name: str, by: Actor, description: str = "") -> Team:
    require(by, Perm.MANAGE_TEAM, store=store)
    if not name.strip():
        raise InvalidInput(_("Give the team a name."), field="name")
    try:
        with transaction.atomic():
            return Team.objects.create(store=store, name=name.strip()[:100], description=description)
    except IntegrityError as exc:
        raise Conflict(_("A team with this name already exists."), field="name") from exc


def create_agent(
    *,
    store: Store,
    by: Actor,
    username: str,
    password: str,
    display_name: str,
    role: str = Role.AGENT,
    tier: str = Tier.L1,
    teams: list[Team] | None = None,
    capacity: int = 5,
    email: str = "",
) -> Agent:
    """Add a person to the store; an existing user (same username) gets a membership."""
    require(by, Perm.MANAGE_TEAM, store=store)
    if role not in Role.values:
        raise InvalidInput(_("Unknown role."), field="role")
    if tier not in Tier.values:
        raise InvalidInput(_("Unknown tier."), field="tier")
    if not username.strip() or not display_name.strip():
        raise InvalidInput(_("A login and a display name are required."), field="username")
    if not 0 <= capacity <= 100:
        raise InvalidInput(_("Capacity must be between 0 and 100."), field="capacity")
    if any(team.store_id != store.pk for team in teams or []):
        raise InvalidInput(_("The team does not belong to this store."), field="teams")
    with transaction.atomic():
        user = User.objects.filter(username=username.strip()).first()
        if user is None:
            user = User.objects.create_user(username=username.strip(), password=password, email=email)
        if Agent.objects.filter(store=store, user=user).exists():
            raise Conflict(_("This person is already an agent of the store."), field="username")
        agent = Agent.objects.create(
            store=store,
            user=user,
            display_name=display_name.strip()[:120],
            role=role,
            tier=tier,
            capacity=capacity,
        )
        if teams:
            agent.teams.set(teams)
    return agent


def update_agent(
    *,
    agent: Agent,
    by: Actor,
    role: str | None = None,
    tier: str | None = None,
    teams: list[Team] | None = None,
    capacity: int | None = None,
    display_name: str | None = None,
    is_active: bool | None = None,
    signature: str | None = None,
    skills: list[str] | None = None,
    channel_capacity: dict[str, int] | None = None,
) -> Agent:
    own_profile = by.agent is not None and by.agent.pk == agent.pk
    routing_fields = skills is not None or channel_capacity is not None
    personal_only = (
        role is None and tier is None and teams is None and is_active is None and not routing_fields
    )
    if not (own_profile and personal_only):
        require(by, Perm.MANAGE_TEAM, store=agent.store_id)
    else:
        # one's own profile: any active member of the store, not a deactivated one
        require(by, Perm.WORK_CONVERSATIONS, store=agent.store_id)
    fields: list[str] = []
    if role is not None:
        if role not in Role.values:
            raise InvalidInput(_("Unknown role."), field="role")
        agent.role = role
        fields.append("role")
    if tier is not None:
        if tier not in Tier.values:
            raise InvalidInput(_("Unknown tier."), field="tier")
        agent.tier = tier
        fields.append("tier")
    if capacity is not None:
        if capacity < 0 or capacity > 100:
            raise InvalidInput(_("Capacity must be between 0 and 100."), field="capacity")
        agent.capacity = capacity
        fields.append("capacity")
    if display_name is not None:
        if not display_name.strip():
            raise InvalidInput(_("A display name is required."), field="display_name")
        agent.display_name = display_name.strip()[:120]
        fields.append("display_name")
    if is_active is not None:
        agent.is_active = is_active
        fields.append("is_active")
    if signature is not None:
        agent.signature = signature
        fields.append("signature")
    if skills is not None:
        agent.skills = _clean_skills(skills)
        fields.append("skills")
    if channel_capacity is not None:
        agent.channel_capacity = _clean_channel_capacity(channel_capacity)
        fields.append("channel_capacity")
    with transaction.atomic():
        if fields:
            agent.save(update_fields=[*fields, "updated_at"])
        if teams is not None:
            if any(team.store_id != agent.store_id for team in teams):
                raise InvalidInput(_("The team does not belong to this store."), field="teams")
            agent.teams.set(teams)
    return agent


def _clean_skills(skills: list[str]) -> list[str]:
    """Known conversation categories, each once, in the order of the category list."""
    known = vocabulary.category_values()
    unknown = sorted({str(s) for s in skills} - known)
    if unknown:
        raise InvalidInput(
            _("Unknown categories: %(names)s.") % {"names": ", ".join(unknown)[:200]}, field="skills"
        )
    return [value for value, _label in vocabulary.CATEGORIES if value in set(skills)]


def _clean_channel_capacity(capacity: dict[str, int]) -> dict[str, int]:
    known = vocabulary.channel_values()
    cleaned: dict[str, int] = {}
    for channel, value in capacity.items():
        if channel not in known:
            raise InvalidInput(
                _("Unknown channel “%(channel)s”.") % {"channel": str(channel)[:30]}, field="channel_capacity"
            )
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise InvalidInput(_("Capacity must be between 0 and 100."), field=f"capacity_{channel}")
        cleaned[channel] = value
    return dict(sorted(cleaned.items()))


def update_store(
    *,
    store: Store,
    by: Actor,
    name: str | None = None,
    timezone_name: str | None = None,
    locale: str | None = None,
    currency: str | None = None,
    reopen_window_days: int | None = None,
) -> Store:
    """Change the store's profile; only an administrator may, since it affects every agent."""
    require(by, Perm.MANAGE_STORE, store=store)
    fields: list[str] = []
    if name is not None:
        if not name.strip():
            raise InvalidInput(_("The store needs a name."), field="name")
        store.name = name.strip()[:200]
        fields.append("name")
    if timezone_name is not None:
        if timezone_name not in zoneinfo.available_timezones():
            raise InvalidInput(_("Unknown time zone."), field="timezone")
        store.timezone = timezone_name
        fields.append("timezone")
    if locale is not None:
        if locale not in {code for code, _name in settings.LANGUAGES}:
            raise InvalidInput(_("Unsupported language."), field="locale")
        store.locale = locale
        fields.append("locale")
    if currency is not None:
        code = currency.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise InvalidInput(_("The currency must be a three-letter ISO code."), field="currency")
        store.currency = code
        fields.append("currency")
    if reopen_window_days is not None:
        if not 0 <= reopen_window_days <= 365:
            raise InvalidInput(
                _("The reopen window must be between 0 and 365 days."), field="reopen_window_days"
            )
        store.reopen_window_days = reopen_window_days
        fields.append("reopen_window_days")
    if fields:
        store.save(update_fields=[*fields, "updated_at"])
    return store
