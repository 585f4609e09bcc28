"""Forms of the customer pages; the customer actions normalise and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zabota.customers.identity import IdentityKind

IDENTITY_KIND_LABELS = {
    IdentityKind.EMAIL: _("Email"),
    IdentityKind.PHONE: _("Phone"),
    IdentityKind.TELEGRAM: _("Telegram"),
    IdentityKind.VK: _("VK"),
    IdentityKind.WHATSAPP: _("WhatsApp"),
    IdentityKind.VISITOR: _("Site visitor id"),
    IdentityKind.EXTERNAL: _("External id"),
}


class CustomerNameForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("full name", "Name"), max_length=200, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)


class CustomerTagsForm(forms.Form):
    tags = forms.CharField(
        label=_("Tags"),
        max_length=1000,
        required=False,
        help_text=_("Comma separated, e.g. VIP. Service-target policies can match them."),
    )

    def clean_tags(self) -> list[str]:
        return [t for t in (part.strip() for part in self.cleaned_data["tags"].split(",")) if t]


class IdentityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=list(IDENTITY_KIND_LABELS.items()))
    value = forms.CharField(label=_("Value"), max_length=254)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)


class MergeForm(forms.Form):
    other = forms.IntegerField(min_value=1)
