"""The breach sweep's view of a store's agents (split from ``sweep``): who hears about a deadline."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from zabota.stores.models import Agent, Presence, Role, Store


@dataclass
class Directory:
    """The active agents of one store with their role, presence and teams: loaded once per sweep."""

    store_id: int
    locale: str = "ru"
    roles: dict[int, str] = field(default_factory=dict)
    online_ids: set[int] = field(default_factory=set)
    teams: dict[int, set[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, store_id: int) -> Directory:
        locale = Store.objects.filter(pk=store_id).values_list("locale", flat=True).first() or "ru"
        directory = cls(store_id=store_id, locale=locale)
        for agent_id, role, presence in (
            Agent.objects.for_store(store_id).active().values_list("id", "role", "presence")
        ):
            directory.roles[agent_id] = role
            if presence == Presence.ONLINE:
                directory.online_ids.add(agent_id)
        memberships = Agent.teams.through.objects.filter(agent_id__in=list(directory.roles)).values_list(
            "team_id", "agent_id"
        )
        for team_id, agent_id in memberships:
            directory.teams.setdefault(team_id, set()).add(agent_id)
        return directory

    def _with_role(self, role: str, among: Iterable[int] | None = None) -> list[int]:
        ids = self.roles if among is None else among
        return sorted(i for i in ids if self.roles.get(i) == role)

    def admins(self) -> list[int]:
        return self._with_role(Role.ADMIN)

    def leads(self, team_id: int | None) -> list[int]:
        """Leads of the team, else every lead of the store, else the admins: somebody must hear."""
        if team_id is not None:
            in_team = self._with_role(Role.LEAD, self.teams.get(team_id, ()))
            if in_team:
                return in_team
        return self._with_role(Role.LEAD) or self.admins()

    def first_line(self, assignee_id: int | None, team_id: int | None) -> list[int]:
        """The assignee; unassigned: the team's agents; no team: the online agents; nobody: the leads."""
        if assignee_id is not None and assignee_id in self.roles:
            return [assignee_id]
        if team_id is not None and self.teams.get(team_id):
            return sorted(self.teams[team_id])
        return sorted(self.online_ids) or self.leads(team_id)
