"""Mailbox settings for administrators: list, add, edit, delete, test the connection, rotate the secret."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from zabota.core.errors import DomainError
from zabota.stores.permissions import Perm
from zabota.stores.views.common import (
    actor_of,
    agent_required,
    current_store,
    invalid_form,
    render_form_error,
    require_perm,
)

from . import actions
from .models import Mailbox, MailboxQuerySet, Security

_LIST = "connectors/mailboxes.html"
_FORM = "connectors/mailbox_form.html"
_CHECKS = "connectors/_checks.html"
SECRET_HEADER = "X-Zabota-Secret"  # the endpoint also takes "Authorization: Bearer <secret>"


class MailboxForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    address = forms.EmailField(
        label=gettext_lazy("Support address"),
        max_length=254,
        help_text=gettext_lazy("The address customers write to."),
    )
    from_name = forms.CharField(label=gettext_lazy("Sender name"), max_length=100, required=False)
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    imap_host = forms.CharField(
        label=gettext_lazy("IMAP server"),
        max_length=253,
        required=False,
        help_text=gettext_lazy("Leave empty to receive mail only through the HTTP endpoint."),
    )
    imap_port = forms.IntegerField(label=gettext_lazy("IMAP port"), min_value=1, max_value=65535, initial=993)
    imap_security = forms.ChoiceField(
        label=gettext_lazy("IMAP security"), choices=Security.choices, initial=Security.SSL
    )
    imap_username = forms.CharField(label=gettext_lazy("IMAP user name"), max_length=254, required=False)
    imap_password = forms.CharField(
        label=gettext_lazy("IMAP password"),
        max_length=500,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    imap_folder = forms.CharField(label=gettext_lazy("IMAP folder"), max_length=200, initial="INBOX")
    poll_interval_seconds = forms.IntegerField(
        label=gettext_lazy("Check for new mail every (seconds)"),
        min_value=actions.MIN_POLL_INTERVAL_SECONDS,
        max_value=actions.MAX_POLL_INTERVAL_SECONDS,
        initial=60,
    )
    use_idle = forms.BooleanField(
        label=gettext_lazy("Use IMAP IDLE where the server has it"), required=False, initial=True
    )
    smtp_host = forms.CharField(label=gettext_lazy("SMTP server"), max_length=253, required=False)
    smtp_port = forms.IntegerField(label=gettext_lazy("SMTP port"), min_value=1, max_value=65535, initial=465)
    smtp_security = forms.ChoiceField(
        label=gettext_lazy("SMTP security"), choices=Security.choices, initial=Security.SSL
    )
    smtp_username = forms.CharField(label=gettext_lazy("SMTP user name"), max_length=254, required=False)
    smtp_password = forms.CharField(
        label=gettext_lazy("SMTP password"),
        max_length=500,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    max_messages_per_sender_per_hour = forms.IntegerField(
        label=gettext_lazy("Messages per sender per hour, at most"),
        min_value=1,
        initial=30,
        help_text=gettext_lazy(
            "More mail from one sender within an hour is kept but not turned into messages."
        ),
    )

    def __init__(self, *args: Any, mailbox: Mailbox | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for protocol in ("imap", "smtp"):
            field = self.fields[f"{protocol}_password"]
            if mailbox is not None and getattr(mailbox, f"{protocol}_password"):
                field.help_text = _(
                    "A password is saved. Leave empty to keep it; type a new one to replace it."
                )
            else:
                field.help_text = _("No password saved.")

    def settings(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in actions.EDITABLE_FIELDS}


def _mailboxes(request: HttpRequest) -> MailboxQuerySet:
    return Mailbox.objects.for_store(current_store(request))


def inbound_url(request: HttpRequest, mailbox: Mailbox) -> str:
    return request.build_absolute_uri(reverse("api:post_email", args=[mailbox.pk]))


def _edit_context(request: HttpRequest, mailbox: Mailbox, **extra: Any) -> dict[str, Any]:
    return {
        "editing": mailbox,
        "inbound_url": inbound_url(request, mailbox),
        "secret_header": SECRET_HEADER,
        **extra,
    }


@agent_required
def mailbox_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_STORE)
    return render(request, _LIST, {"mailboxes": _mailboxes(request)})


@agent_required
@require_http_methods(["GET", "POST"])
def mailbox_create(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_STORE)
    context: dict[str, Any] = {"editing": None}
    if request.method != "POST":
        return render(request, _FORM, {**context, "form": MailboxForm()})
    form = MailboxForm(request.POST)
    if not form.is_valid():
        return invalid_form(request, _FORM, {**context, "form": form})
    try:
        mailbox = actions.create_mailbox(
            store=current_store(request),
            by=actor_of(request),
            imap_password=form.cleaned_data["imap_password"],
            smtp_password=form.cleaned_data["smtp_password"],
            **form.settings(),
        )
    except DomainError as exc:
        return render_form_error(request, _FORM, context, form, exc)
    messages.success(request, _("The mailbox was added. Test the connection below."))
    return redirect("email:edit", pk=mailbox.pk)


@agent_required
@require_http_methods(["GET", "POST"])
def mailbox_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, Perm.MANAGE_STORE)
    mailbox = get_object_or_404(_mailboxes(request), pk=pk)
    if request.method != "POST":
        initial = {name: getattr(mailbox, name) for name in actions.EDITABLE_FIELDS}
        form = MailboxForm(initial=initial, mailbox=mailbox)
        return render(request, _FORM, _edit_context(request, mailbox, form=form))
    form = MailboxForm(request.POST, mailbox=mailbox)
    if not form.is_valid():
        return invalid_form(request, _FORM, _edit_context(request, mailbox, form=form))
    try:
        actions.update_mailbox(
            mailbox=mailbox,
            by=actor_of(request),
            imap_password=form.cleaned_data["imap_password"],
            smtp_password=form.cleaned_data["smtp_password"],
            **form.settings(),
        )
    except DomainError as exc:
        mailbox.refresh_from_db()
        return render_form_error(request, _FORM, _edit_context(request, mailbox), form, exc)
    messages.success(request, _("The mailbox was saved."))
    return redirect("email:edit", pk=mailbox.pk)


@agent_required
@require_POST
def mailbox_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, Perm.MANAGE_STORE)
    mailbox = get_object_or_404(_mailboxes(request), pk=pk)
    actions.delete_mailbox(mailbox=mailbox, by=actor_of(request))
    messages.success(request, _("The mailbox was deleted."))
    return redirect("email:list")


@agent_required
@require_POST
def mailbox_rotate_secret(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, Perm.MANAGE_STORE)
    mailbox = get_object_or_404(_mailboxes(request), pk=pk)
    actions.rotate_inbound_secret(mailbox=mailbox, by=actor_of(request))
    messages.success(request, _("A new secret was made; the old one no longer works."))
    return redirect("email:edit", pk=mailbox.pk)


@agent_required
@require_POST
def mailbox_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Connect with the saved settings and show every step; htmx gets only the result list."""
    require_perm(request, Perm.MANAGE_STORE)
    mailbox = get_object_or_404(_mailboxes(request), pk=pk)
    checks = actions.check_connection(mailbox=mailbox, by=actor_of(request))
    context = {"checks": checks, "all_ok": all(c.ok for c in checks)}
    if request.headers.get("HX-Request") == "true":
        return render(request, _CHECKS, context)
    initial = {name: getattr(mailbox, name) for name in actions.EDITABLE_FIELDS}
    form = MailboxForm(initial=initial, mailbox=mailbox)
    return render(request, _FORM, _edit_context(request, mailbox, form=form, **context))
