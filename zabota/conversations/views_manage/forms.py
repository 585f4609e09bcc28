"""Forms for macros and scripts: parse the POST; ``save_macro`` / ``save_script`` validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zabota.conversations.models import Category, Priority, Status
from zabota.conversations.models.macro import ScriptChannel
from zabota.stores.models import Agent, Store

PLACEHOLDERS: list[tuple[str, Any]] = [
    ("{customer.first_name}", _("customer's first name")),
    ("{customer.name}", _("customer's full name")),
    ("{agent.name}", _("your name")),
    ("{agent.first_name}", _("your first name")),
    ("{conversation.number}", _("conversation number")),
    ("{store.name}", _("store name")),
]


def _blank(label: Any, choices: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class MacroForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    text = forms.CharField(label=_("Reply text"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    set_status = forms.ChoiceField(
        label=_("Set status"), choices=_blank(_("— keep —"), Status.choices), required=False
    )
    set_priority = forms.ChoiceField(
        label=_("Set priority"), choices=_blank(_("— keep —"), Priority.choices), required=False
    )
    set_category = forms.ChoiceField(
        label=_("Set category"), choices=_blank(_("— keep —"), Category.choices), required=False
    )
    add_tags = forms.CharField(
        label=_("Add tags"), required=False, max_length=500, help_text=_("Comma-separated tag names.")
    )
    assign = forms.ChoiceField(label=_("Assign to"), required=False)

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agents = Agent.objects.for_store(store).active().values_list("pk", "display_name")
        assign = self.fields["assign"]
        assert isinstance(assign, forms.ChoiceField)
        assign.choices = [
            ("", _("— nobody —")),
            ("me", _("the agent who applies the macro")),
            *[(str(pk), name) for pk, name in agents],
        ]

    def macro_actions(self) -> dict[str, Any]:
        """The ``actions`` dict ``save_macro`` expects, from the cleaned fields."""
        data = self.cleaned_data
        actions: dict[str, Any] = {
            key: data[key] for key in ("set_status", "set_priority", "set_category") if data[key]
        }
        tags = [t.strip() for t in data["add_tags"].split(",") if t.strip()]
        if tags:
            actions["add_tags"] = tags
        if data["assign"] == "me":
            actions["assign"] = "me"
        elif data["assign"]:
            actions["assign"] = int(data["assign"])
        return actions

    @staticmethod
    def initial_for(macro: Any) -> dict[str, Any]:
        actions = macro.actions or {}
        assign = actions.get("assign")
        return {
            "name": macro.name,
            "text": macro.text,
            "is_active": macro.is_active,
            "set_status": actions.get("set_status", ""),
            "set_priority": actions.get("set_priority", ""),
            "set_category": actions.get("set_category", ""),
            "add_tags": ", ".join(actions.get("add_tags", [])),
            "assign": "" if assign is None else str(assign),
        }


class ScriptForm(forms.Form):
    """The script's own fields; the steps come as parallel ``step_title`` / ``step_text`` lists."""

    name = forms.CharField(label=_("Name"), max_length=120)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=ScriptChannel.choices)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


def steps_from_post(data: Any) -> list[tuple[str, str]]:
    titles = data.getlist("step_title")
    texts = data.getlist("step_text")
    if len(titles) != len(texts):
        return []
    return [(str(t)[:200], str(x)) for t, x in zip(titles, texts, strict=True)]
