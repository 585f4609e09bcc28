"""Who performs an action: an agent, an integration token, the customer, the bot or the system."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from zabota.stores.models import Agent, ApiToken

ActorKind = Literal["agent", "integration", "customer", "bot", "system"]


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    agent: Agent | None = None
    token: ApiToken | None = None
    label: str = ""

    @classmethod
    def of_agent(cls, agent: Agent) -> Actor:
        return cls(kind="agent", agent=agent, label=agent.display_name)

    @classmethod
    def of_token(cls, token: ApiToken) -> Actor:
        if token.agent is not None:
            return cls(kind="agent", agent=token.agent, token=token, label=token.agent.display_name)
        return cls(kind="integration", token=token, label=token.name)

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(kind="system", label=label)

    @classmethod
    def customer(cls, label: str = "") -> Actor:
        return cls(kind="customer", label=label)

    @classmethod
    def bot(cls) -> Actor:
        return cls(kind="bot", label="bot")

    @property
    def agent_id(self) -> int | None:
        return self.agent.pk if self.agent is not None else None
