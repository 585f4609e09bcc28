"""Notification pages: the bell, the list, and each agent's preferences (with the store's bot token)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zabota.core.errors import DomainError
from zabota.notify import actions, telegram
from zabota.notify.conf import bot_token
from zabota.notify.kinds import mute_choices
from zabota.notify.models import DeliveryStatus, Notification, NotificationDelivery
from zabota.stores.models import Agent
from zabota.stores.permissions import Perm
from zabota.stores.views.common import (
    actor_of,
    agent_required,
    can,
    current_agent,
    current_store,
    invalid_form,
    render_form_error,
    require_perm,
)

_LIST = "notify/list.html"
_ITEM = "notify/_item.html"
_COUNT = "notify/_bell_count.html"
_PREFERENCES = "notify/preferences.html"
PAGE_SIZE = 30


class PreferenceForm(forms.Form):
    in_app = forms.BooleanField(label=gettext_lazy("Light up the bell in Zabota"), required=False)
    email = forms.BooleanField(label=gettext_lazy("Send by email"), required=False)
    telegram = forms.BooleanField(label=gettext_lazy("Send to Telegram"), required=False)
    telegram_chat_id = forms.CharField(
        label=gettext_lazy("Telegram chat id"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("Write /start to the store's bot, then enter your numeric chat id."),
    )
    kinds_muted = forms.MultipleChoiceField(
        label=gettext_lazy("Mute these kinds"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, choices: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kinds_muted"].choices = choices  # type: ignore[attr-defined]


class BotTokenForm(forms.Form):
    bot_token = forms.CharField(
        label=gettext_lazy("Bot token"),
        max_length=120,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("From @BotFather. Leave empty and save to remove the token."),
    )


def _mine(request: HttpRequest) -> Any:
    return Notification.objects.for_agent(current_agent(request))


def _count_html(request: HttpRequest, agent: Agent) -> str:
    return render_to_string(_COUNT, {"unread": actions.unread_count(agent)}, request=request)


@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    """The unread count for the topbar (polled by htmx); nothing to swap for a visitor who is not signed in."""
    agent = getattr(request, "agent", None)
    if agent is None:
        return HttpResponse(status=204)
    return HttpResponse(_count_html(request, agent))


@agent_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    only_unread = request.GET.get("unread") == "1"
    queryset = _mine(request)
    if only_unread:
        queryset = queryset.unread()
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    unread = actions.unread_count(current_agent(request))
    return render(request, _LIST, {"page": page, "only_unread": only_unread, "unread": unread})


@agent_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    agent = current_agent(request)
    get_object_or_404(_mine(request), pk=pk)
    notification = actions.mark_read(agent=agent, notification_id=pk, by=actor_of(request))
    if getattr(request, "htmx", False):
        item = render(request, _ITEM, {"notification": notification}).content.decode()
        oob = f'<span id="bell-count" hx-swap-oob="innerHTML">{_count_html(request, agent)}</span>'
        return HttpResponse(item + oob)
    return redirect("notify:list")


@agent_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = actions.mark_all_read(agent=current_agent(request), by=actor_of(request))
    messages.success(
        request,
        ngettext("%(count)d notification marked read.", "%(count)d notifications marked read.", count)
        % {"count": count},
    )
    return redirect("notify:list")


@agent_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link and mark it read on the way."""
    notification = get_object_or_404(_mine(request), pk=pk)
    actions.mark_read(agent=current_agent(request), notification_id=pk, by=actor_of(request))
    safe = url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(notification.url if notification.url and safe else "notify:list")


# ---------------------------------------------------------------------------------------------------
# Preferences


def _preference_context(request: HttpRequest, form: PreferenceForm | None = None) -> dict[str, Any]:
    agent = current_agent(request)
    store = current_store(request)
    preference = actions.preference_of(agent)
    if form is None:
        form = PreferenceForm(
            initial={
                "in_app": preference.in_app,
                "email": preference.email,
                "telegram": preference.telegram,
                "telegram_chat_id": preference.telegram_chat_id,
                "kinds_muted": preference.kinds_muted,
            },
            choices=_choices(agent, preference.kinds_muted),
        )
    failed = (
        NotificationDelivery.objects.filter(
            store=store, notification__agent=agent, status=DeliveryStatus.FAILED
        )
        .select_related("notification")
        .order_by("-updated_at")[:10]
    )
    token = bot_token(store)
    return {
        "form": form,
        "email_address": agent.user.email,
        "failed_deliveries": failed,
        "may_manage_store": can(request, Perm.MANAGE_STORE),
        "bot_token_hint": telegram.masked(token),
        "token_form": BotTokenForm(),
    }


def _choices(agent: Agent, muted: list[str]) -> list[tuple[str, Any]]:
    received = list(
        Notification.objects.for_agent(agent).order_by().values_list("kind", flat=True).distinct()[:50]
    )
    return mute_choices(received, muted)


@agent_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    agent = current_agent(request)
    if request.method != "POST":
        return render(request, _PREFERENCES, _preference_context(request))
    form = PreferenceForm(request.POST, choices=_choices(agent, actions.preference_of(agent).kinds_muted))
    if not form.is_valid():
        return invalid_form(request, _PREFERENCES, _preference_context(request, form))
    data = form.cleaned_data
    try:
        actions.save_preferences(
            agent=agent,
            by=actor_of(request),
            in_app=data["in_app"],
            email=data["email"],
            telegram_enabled=data["telegram"],
            telegram_chat_id=data["telegram_chat_id"],
            kinds_muted=data["kinds_muted"],
        )
    except DomainError as exc:
        return render_form_error(request, _PREFERENCES, _preference_context(request, form), form, exc)
    messages.success(request, _("Notification preferences saved."))
    return redirect("notify:preferences")


@agent_required
@require_POST
def test_telegram(request: HttpRequest) -> HttpResponse:
    """Send a test message to the chat id in the form (saved or not) and say exactly what happened."""
    agent = current_agent(request)
    form = PreferenceForm(request.POST, choices=_choices(agent, actions.preference_of(agent).kinds_muted))
    form.is_valid()
    chat_id = request.POST.get("telegram_chat_id", "")[:64]
    try:
        actions.send_test_telegram(agent=agent, by=actor_of(request), chat_id=chat_id)
    except DomainError as exc:
        return render_form_error(request, _PREFERENCES, _preference_context(request, form), form, exc)
    context = _preference_context(request, form)
    context["test_result"] = _("Test message sent to chat %(chat)s.") % {"chat": chat_id.strip()}
    return render(request, _PREFERENCES, context)


@agent_required
@require_POST
def save_bot_token(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_STORE)
    form = BotTokenForm(request.POST)
    if not form.is_valid():
        return invalid_form(request, _PREFERENCES, {**_preference_context(request), "token_form": form})
    try:
        actions.set_telegram_bot_token(
            store=current_store(request), token=form.cleaned_data["bot_token"], by=actor_of(request)
        )
    except DomainError as exc:
        form.add_error("bot_token", exc.message)
        context = {**_preference_context(request), "token_form": form}
        return render(request, _PREFERENCES, context, status=exc.status)
    if form.cleaned_data["bot_token"].strip():
        messages.success(request, _("The Telegram bot token was saved."))
    else:
        messages.success(request, _("The Telegram bot token was removed."))
    return redirect("notify:preferences")


@agent_required
@require_POST
def retry_delivery(request: HttpRequest, pk: int) -> HttpResponse:
    """Send one of the agent's failed deliveries again."""
    agent = current_agent(request)
    delivery = get_object_or_404(
        NotificationDelivery.objects.filter(store=current_store(request), notification__agent=agent), pk=pk
    )
    actions.retry_delivery(agent=agent, delivery_id=delivery.pk, by=actor_of(request))
    messages.success(request, _("The delivery was queued again."))
    return redirect("notify:preferences")
