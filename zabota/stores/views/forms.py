"""Forms of the settings pages: they only parse; the actions validate the domain and write."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from zabota.stores import vocabulary
from zabota.stores.models import Role, Scope, Store, Team, Tier


def _timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class StoreForm(forms.Form):
    name = forms.CharField(label=_("Store name"), max_length=200)
    timezone = forms.ChoiceField(label=_("Time zone"), choices=_timezone_choices)
    locale = forms.ChoiceField(label=_("Language"), choices=lambda: list(settings.LANGUAGES))
    currency = forms.CharField(label=_("Currency (ISO code)"), max_length=3, min_length=3)
    reopen_window_days = forms.IntegerField(
        label=_("Days a solved conversation can be reopened by a customer reply"),
        min_value=0,
        max_value=365,
    )


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=120)
    signature = forms.CharField(
        label=_("Signature"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class _AgentFields(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=120)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices)
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    capacity = forms.IntegerField(label=_("Max concurrent chats"), min_value=0, max_value=100, initial=5)

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = self.fields["teams"]
        assert isinstance(teams, forms.ModelMultipleChoiceField)
        teams.queryset = Team.objects.for_store(store)


class AgentCreateForm(_AgentFields):
    username = forms.CharField(label=_("Login"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    email = forms.EmailField(label=_("Email"), required=False)

    field_order = ["username", "password", "email", "display_name", "role", "tier", "teams", "capacity"]

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        validate_password(password)
        return password


class AgentEditForm(_AgentFields):
    """Adds routing: skills (empty = every category) and a capacity per channel (empty = the default)."""

    skills = forms.MultipleChoiceField(
        label=_("Skills"),
        choices=lambda: list(vocabulary.CATEGORIES),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Categories routed to this agent; none chosen means every category."),
    )

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, store=store, **kwargs)
        for channel, label in vocabulary.CHANNELS:
            self.fields[f"capacity_{channel}"] = forms.IntegerField(
                label=_("Max open conversations: %(channel)s") % {"channel": label},
                required=False,
                help_text=_("Empty: the general maximum above."),
            )

    def channel_capacity(self) -> dict[str, int]:
        """Per-channel capacities entered (empty fields left out); call after ``is_valid``."""
        values = {
            channel: self.cleaned_data.get(f"capacity_{channel}") for channel, _l in vocabulary.CHANNELS
        }
        return {channel: value for channel, value in values.items() if value is not None}


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=120)
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    agent = forms.ChoiceField(
        label=_("Acts as agent"),
        required=False,
        help_text=_("Leave empty for an integration token that acts on its own."),
    )

    def __init__(self, *args: Any, agents: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        """``agents`` is None when the user may only create a token for themself."""
        super().__init__(*args, **kwargs)
        if agents is None:
            del self.fields["agent"]
        else:
            agent_field = self.fields["agent"]
            assert isinstance(agent_field, forms.ChoiceField)
            agent_field.choices = [("", _("— integration —")), *[(str(pk), n) for pk, n in agents]]
