"""Forms of the announcements pages: they only parse; the actions validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zabota.announcements.models import Audience, Kind, Severity
from zabota.stores.models import Store, Team

_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AnnouncementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=20_000,
        help_text=_("Plain text; line breaks and links are kept."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.OTHER)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.INFO)
    audience = forms.ChoiceField(
        label=_("Audience"), choices=Audience.choices, initial=Audience.EVERYONE, widget=forms.RadioSelect
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only for the “Chosen teams” audience."),
    )
    must_read = forms.BooleanField(
        label=_("Must read: agents acknowledge it before their next reply"), required=False
    )
    starts_at = forms.DateTimeField(
        label=_("Shown from"), required=False, widget=_DATETIME, help_text=_("Empty: right away.")
    )
    ends_at = forms.DateTimeField(
        label=_("Shown until"), required=False, widget=_DATETIME, help_text=_("Empty: until archived.")
    )
    is_incident = forms.BooleanField(
        label=_("Incident: customers see the text below in the widget and the bot's answers"), required=False
    )
    public_text = forms.CharField(
        label=_("Text for customers"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=1_000,
        help_text=_("Customers see only this text, never the title or the text above."),
    )

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = self.fields["teams"]
        assert isinstance(teams, forms.ModelMultipleChoiceField)
        teams.queryset = Team.objects.for_store(store)


class OptionsForm(forms.Form):
    must_read_blocks_reply = forms.BooleanField(
        label=_("Agents must acknowledge must-read announcements before they can reply to customers"),
        required=False,
    )
