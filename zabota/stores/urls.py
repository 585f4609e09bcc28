"""Settings pages of the store: profile, agents, teams, API tokens."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path
from django.views.generic import RedirectView

from zabota.stores.views import agents, presence, routing, store, tokens

app_name = "stores"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", store.store_settings, name="settings"),
    path("profile/", store.profile, name="profile"),
    path("presence/", presence.presence, name="presence"),
    path("routing/", routing.routing_settings, name="routing"),
    path("agents/", agents.agent_list, name="agents"),
    path("agents/new/", agents.agent_create, name="agent_create"),
    path("agents/<int:pk>/", agents.agent_edit, name="agent_edit"),
    path("agents/<int:pk>/active/", agents.agent_set_active, name="agent_set_active"),
    path("teams/", agents.team_list, name="teams"),
    path("tokens/", tokens.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", tokens.token_revoke, name="token_revoke"),
    # Macros and scripts are served by ``manage:`` (conversations owns them); these names keep
    # older links working. The ``manage`` include comes first, so these never match a request.
    path("macros/", RedirectView.as_view(pattern_name="manage:macros"), name="macros"),
    path("scripts/", RedirectView.as_view(pattern_name="manage:scripts"), name="scripts"),
]
