"""Forms of the service-target settings; the actions validate again and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zabota.sla.actions import CATEGORIES, CHANNELS, PRIORITIES, PolicyFields
from zabota.sla.models import WEEKDAYS, BusinessCalendar, Policy
from zabota.stores.models import Store, Team

CHANNEL_LABELS = dict(
    zip(
        CHANNELS,
        (
            _("Email"),
            _("Chat"),
            _("Web form"),
            _("Telegram"),
            _("VK"),
            _("WhatsApp"),
            _("Viber"),
            _("Phone"),
            _("API"),
        ),
        strict=True,
    )
)
CATEGORY_LABELS = dict(
    zip(
        CATEGORIES,
        (
            _("Technical"),
            _("Product"),
            _("Order"),
            _("Delivery"),
            _("Return"),
            _("Payment"),
            _("Consultation"),
            _("Other"),
        ),
        strict=True,
    )
)
PRIORITY_LABELS = dict(zip(PRIORITIES, (_("Low"), _("Normal"), _("High"), _("Urgent")), strict=True))
WEEKDAY_LABELS = dict(
    zip(
        WEEKDAYS,
        (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")),
        strict=True,
    )
)


def _split(text: str) -> list[str]:
    return [p for p in (part.strip() for part in text.replace("\n", ",").replace(";", ",").split(",")) if p]


def format_intervals(intervals: list[list[str]]) -> str:
    return ", ".join(f"{start}–{end}" for start, end in intervals)


def parse_intervals(text: str) -> list[list[str]]:
    """“09:00–13:00, 14:00–18:00” (a hyphen or a dash) into [["09:00", "13:00"], ["14:00", "18:00"]]."""
    out: list[list[str]] = []
    for part in _split(text):
        pieces = [p.strip() for p in part.replace("–", "-").replace("—", "-").split("-")]
        if len(pieces) != 2 or not all(pieces):
            raise forms.ValidationError(
                gettext("Write intervals as 09:00–13:00, separated by commas (got “%(part)s”).")
                % {"part": part[:30]}
            )
        out.append(pieces)
    return out


class CalendarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("— the store's default calendar —"),
    )
    timezone = forms.CharField(label=_("Time zone"), max_length=64, initial="Europe/Moscow")
    holidays = forms.CharField(
        label=_("Holidays"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Dates as YYYY-MM-DD, separated by commas or new lines."),
    )
    workdays = forms.CharField(
        label=_("Working days moved from a weekend"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    shortened = forms.CharField(
        label=_("Shortened pre-holiday days"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = Team.objects.for_store(store)
        for day in WEEKDAYS:
            self.fields[f"week_{day}"] = forms.CharField(
                label=WEEKDAY_LABELS[day],
                required=False,
                help_text=_("e.g. 09:00–13:00, 14:00–18:00; 22:00–06:00 is a night shift")
                if day == "mon"
                else "",
            )

    @classmethod
    def initial_of(cls, calendar: BusinessCalendar) -> dict[str, Any]:
        week = calendar.week or {}
        return {
            "name": calendar.name,
            "team": calendar.team,
            "timezone": calendar.timezone,
            "holidays": "\n".join(calendar.holidays or []),
            "workdays": "\n".join(calendar.workdays or []),
            "shortened": "\n".join(calendar.shortened or []),
            **{f"week_{day}": format_intervals(week.get(day, [])) for day in WEEKDAYS},
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        week: dict[str, list[list[str]]] = {}
        for day in WEEKDAYS:
            try:
                intervals = parse_intervals(data.get(f"week_{day}", "") or "")
            except forms.ValidationError as exc:
                self.add_error(f"week_{day}", exc)
                continue
            if intervals:
                week[day] = intervals
        data["week"] = week
        for name in ("holidays", "workdays", "shortened"):
            data[name] = _split(data.get(name, "") or "")
        return data

    def week_fields(self) -> list[forms.BoundField]:
        return [self[f"week_{day}"] for day in WEEKDAYS]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Production calendar file"),
        help_text=_("CSV (data.gov.ru / consultant layout) or iCal (.ics)."),
    )


def _choices(labels: dict[str, Any]) -> list[tuple[str, Any]]:
    return list(labels.items())


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    is_active = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=_choices(CHANNEL_LABELS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: any."),
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories"),
        choices=_choices(CATEGORY_LABELS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    priorities = forms.MultipleChoiceField(
        label=_("Priorities"),
        choices=_choices(PRIORITY_LABELS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    customer_tags = forms.CharField(
        label=_("Customer tags"),
        required=False,
        max_length=500,
        help_text=_("Comma separated; the policy applies when the customer has any of them (e.g. VIP)."),
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("Any")
    )
    calendar = forms.ModelChoiceField(
        label=_("Calendar"),
        queryset=BusinessCalendar.objects.none(),
        required=False,
        empty_label=_("The team's calendar, else the store's"),
    )
    first_response_minutes = forms.IntegerField(
        label=_("First response, minutes"), required=False, min_value=1
    )
    first_response_business = forms.BooleanField(label=_("in business time"), required=False)
    next_response_minutes = forms.IntegerField(label=_("Next response, minutes"), required=False, min_value=1)
    next_response_business = forms.BooleanField(label=_("in business time"), required=False)
    update_minutes = forms.IntegerField(label=_("Periodic update, minutes"), required=False, min_value=1)
    update_business = forms.BooleanField(label=_("in business time"), required=False)
    resolution_minutes = forms.IntegerField(label=_("Resolution, minutes"), required=False, min_value=1)
    resolution_business = forms.BooleanField(label=_("in business time"), required=False)
    queue_wait_seconds = forms.IntegerField(
        label=_("Maximum queue wait, seconds"),
        required=False,
        min_value=1,
        help_text=_("Calls and chats only: from arrival until an agent takes it."),
    )
    warn_percent = forms.IntegerField(
        label=_("Warn at (percent of the target)"), min_value=1, max_value=100, initial=75
    )
    breach_raise_priority = forms.BooleanField(label=_("On breach: raise the priority"), required=False)
    breach_reassign = forms.BooleanField(label=_("On breach: reassign"), required=False)
    breach_escalate_l2 = forms.BooleanField(label=_("On breach: escalate to L2"), required=False)
    escalate_admin_after_minutes = forms.IntegerField(
        label=_("Notify administrators after a breach, minutes"),
        required=False,
        min_value=1,
        help_text=_("Empty: never. The assignee and the team lead are notified at once."),
    )

    TARGETS = ("first_response", "next_response", "update", "resolution")

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field, calendar_field = self.fields["team"], self.fields["calendar"]
        assert isinstance(team_field, forms.ModelChoiceField)
        assert isinstance(calendar_field, forms.ModelChoiceField)
        team_field.queryset = Team.objects.for_store(store)
        calendar_field.queryset = BusinessCalendar.objects.for_store(store)

    @classmethod
    def initial_of(cls, policy: Policy) -> dict[str, Any]:
        names = [n for n in cls.base_fields if n not in ("customer_tags",)]
        initial = {name: getattr(policy, name) for name in names}
        initial["customer_tags"] = ", ".join(policy.customer_tags or [])
        return initial

    def clean_customer_tags(self) -> list[str]:
        return _split(self.cleaned_data.get("customer_tags", "") or "")

    def target_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"{t}_minutes"], self[f"{t}_business"]) for t in self.TARGETS]

    def to_fields(self) -> PolicyFields:
        data: dict[str, Any] = self.cleaned_data
        values: dict[str, Any] = {name: data.get(name) for name in PolicyFields.__dataclass_fields__}
        return PolicyFields(**values)
