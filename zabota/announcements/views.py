"""Announcements pages: the list, one announcement, the lead's form, the read-receipt report, the banner."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zabota.announcements import actions
from zabota.announcements.forms import AnnouncementForm, OptionsForm
from zabota.announcements.models import (
    Acknowledgement,
    Announcement,
    AnnouncementQuerySet,
    Kind,
    Phase,
    Severity,
)
from zabota.announcements.queries import audience_of, banner_for, options_of
from zabota.core.errors import DomainError
from zabota.core.views import agent_required
from zabota.stores.permissions import Perm
from zabota.stores.views.common import (
    actor_of,
    can,
    current_agent,
    current_store,
    invalid_form,
    render_form_error,
    require_perm,
)

_LIST = "announcements/list.html"
_DETAIL = "announcements/detail.html"
_FORM = "announcements/form.html"
_RECEIPTS = "announcements/receipts.html"
_OPTIONS = "announcements/options.html"
_BANNER = "announcements/_banner.html"

TABS = (Phase.ACTIVE, Phase.SCHEDULED, Phase.ARCHIVED)


def _announcements(request: HttpRequest) -> AnnouncementQuerySet:
    """Leads see all of the store's announcements; agents only those addressed to them and started."""
    if can(request, Perm.MANAGE_ANNOUNCEMENTS):
        return Announcement.objects.for_store(current_store(request))
    return Announcement.objects.for_audience_of(current_agent(request)).filter(starts_at__lte=timezone.now())


def _get(request: HttpRequest, pk: int) -> Announcement:
    return get_object_or_404(_announcements(request), pk=pk)


@require_GET
@agent_required
def announcement_list(request: HttpRequest) -> HttpResponse:
    agent = current_agent(request)
    manager = can(request, Perm.MANAGE_ANNOUNCEMENTS)
    tab = request.GET.get("tab", Phase.ACTIVE.value)
    if tab not in TABS or (tab == Phase.SCHEDULED and not manager):
        tab = Phase.ACTIVE.value
    rows = _announcements(request)
    if tab == Phase.ACTIVE:
        rows = rows.active()
    elif tab == Phase.SCHEDULED:
        rows = rows.scheduled()
    else:
        rows = rows.finished()
    kind, severity = request.GET.get("kind", ""), request.GET.get("severity", "")
    if kind in Kind.values:
        rows = rows.filter(kind=kind)
    if severity in Severity.values:
        rows = rows.filter(severity=severity)
    rows = rows.annotate(
        my_read=Count("receipts", filter=Q(receipts__agent=agent, receipts__read_at__isnull=False)),
        my_ack=Count("receipts", filter=Q(receipts__agent=agent, receipts__acknowledged_at__isnull=False)),
    ).prefetch_related("teams")
    context: dict[str, Any] = {
        "rows": rows[:200],
        "tab": tab,
        "tabs": [t for t in TABS if manager or t != Phase.SCHEDULED],
        "kind": kind,
        "severity": severity,
        "kinds": Kind.choices,
        "severities": Severity.choices,
        "may_manage": manager,
        "may_set_options": can(request, Perm.MANAGE_STORE),
    }
    return render(request, _LIST, context)


@require_GET
@agent_required
def announcement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = _get(request, pk)
    receipt = Acknowledgement.objects.filter(announcement=announcement, agent=current_agent(request)).first()
    context = {
        "announcement": announcement,
        "receipt": receipt,
        "phase": announcement.phase(),
        "in_audience": audience_of(announcement).filter(pk=current_agent(request).pk).exists(),
        "may_manage": can(request, Perm.MANAGE_ANNOUNCEMENTS),
    }
    return render(request, _DETAIL, context)


def _draft(form: AnnouncementForm) -> actions.Draft:
    data = form.cleaned_data
    return actions.Draft(
        title=data["title"],
        body=data["body"],
        kind=data["kind"],
        severity=data["severity"],
        audience=data["audience"],
        teams=list(data["teams"]),
        must_read=data["must_read"],
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        is_incident=data["is_incident"],
        public_text=data["public_text"],
    )


def _bound_form(request: HttpRequest) -> AnnouncementForm:
    """Dates typed in the form are in the store's time zone."""
    form = AnnouncementForm(request.POST, store=current_store(request))
    with timezone.override(current_store(request).timezone):
        form.is_valid()
    return form


@require_http_methods(["GET", "POST"])
@agent_required
def announcement_create(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_ANNOUNCEMENTS)
    store = current_store(request)
    context: dict[str, Any] = {"editing": None, "store_timezone": store.timezone}
    if request.method != "POST":
        return render(request, _FORM, {**context, "form": AnnouncementForm(store=store)})
    form = _bound_form(request)
    if not form.is_valid():
        return invalid_form(request, _FORM, {**context, "form": form})
    try:
        announcement = actions.publish(store=store, draft=_draft(form), by=actor_of(request))
    except DomainError as exc:
        return render_form_error(request, _FORM, context, form, exc)
    messages.success(request, _("The announcement was published."))
    return redirect("announcements:detail", pk=announcement.pk)


@require_http_methods(["GET", "POST"])
@agent_required
def announcement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, Perm.MANAGE_ANNOUNCEMENTS)
    store = current_store(request)
    announcement = _get(request, pk)
    context: dict[str, Any] = {"editing": announcement, "store_timezone": store.timezone}
    if request.method != "POST":
        with timezone.override(store.timezone):
            initial = {
                "title": announcement.title,
                "body": announcement.body,
                "kind": announcement.kind,
                "severity": announcement.severity,
                "audience": announcement.audience,
                "teams": list(announcement.teams.all()),
                "must_read": announcement.must_read,
                "starts_at": timezone.localtime(announcement.starts_at),
                "ends_at": timezone.localtime(announcement.ends_at) if announcement.ends_at else None,
                "is_incident": announcement.is_incident,
                "public_text": announcement.public_text,
            }
        return render(request, _FORM, {**context, "form": AnnouncementForm(initial=initial, store=store)})
    form = _bound_form(request)
    if not form.is_valid():
        return invalid_form(request, _FORM, {**context, "form": form})
    try:
        actions.update(announcement=announcement, draft=_draft(form), by=actor_of(request))
    except DomainError as exc:
        return render_form_error(request, _FORM, context, form, exc)
    messages.success(request, _("The announcement was saved."))
    return redirect("announcements:detail", pk=announcement.pk)


@require_POST
@agent_required
def announcement_archive(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, Perm.MANAGE_ANNOUNCEMENTS)
    announcement = _get(request, pk)
    actions.archive(announcement=announcement, by=actor_of(request))
    messages.success(request, _("The announcement was archived."))
    return redirect("announcements:list")


def _after_receipt(request: HttpRequest, announcement: Announcement) -> HttpResponse:
    """htmx gets the refreshed banner; a plain form goes back where it came from."""
    if request.headers.get("HX-Request"):
        return _banner(request)
    target = str(request.POST.get("next", ""))
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("announcements:detail", pk=announcement.pk)


@require_POST
@agent_required
def announcement_read(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = get_object_or_404(Announcement.objects.for_store(current_store(request)), pk=pk)
    actions.mark_read(announcement=announcement, by=actor_of(request))
    return _after_receipt(request, announcement)


@require_POST
@agent_required
def announcement_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = get_object_or_404(Announcement.objects.for_store(current_store(request)), pk=pk)
    actions.acknowledge(announcement=announcement, by=actor_of(request))
    return _after_receipt(request, announcement)


@require_GET
@agent_required
def announcement_receipts(request: HttpRequest, pk: int) -> HttpResponse:
    """Who of the audience has read and acknowledged it, and who has not (only the audience is listed)."""
    require_perm(request, Perm.MANAGE_ANNOUNCEMENTS)
    announcement = _get(request, pk)
    receipts = {
        r.agent_id: r
        for r in Acknowledgement.objects.filter(store=announcement.store_id, announcement=announcement)
    }
    rows = [(agent, receipts.get(agent.pk)) for agent in audience_of(announcement).prefetch_related("teams")]
    done_key = "acknowledged_at" if announcement.must_read else "read_at"
    done = [(a, r) for a, r in rows if r is not None and getattr(r, done_key) is not None]
    pending = [(a, r) for a, r in rows if r is None or getattr(r, done_key) is None]
    context = {
        "announcement": announcement,
        "done": done,
        "pending": pending,
        "total": len(rows),
        "read_count": sum(1 for _a, r in rows if r is not None and r.read_at is not None),
        "ack_count": sum(1 for _a, r in rows if r is not None and r.acknowledged_at is not None),
    }
    return render(request, _RECEIPTS, context)


@require_http_methods(["GET", "POST"])
@agent_required
def announcement_options(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_STORE)
    store = current_store(request)
    if request.method != "POST":
        return render(request, _OPTIONS, {"form": OptionsForm(initial=options_of(store))})
    form = OptionsForm(request.POST)
    if not form.is_valid():
        return invalid_form(request, _OPTIONS, {"form": form})
    actions.set_options(
        store=store, by=actor_of(request), must_read_blocks_reply=form.cleaned_data["must_read_blocks_reply"]
    )
    messages.success(request, _("Announcement settings saved."))
    return redirect("announcements:options")


@require_GET
@agent_required
def banner(request: HttpRequest) -> HttpResponse:
    """The banner of the agent's unread and unacknowledged announcements (loaded by every page)."""
    return _banner(request)


def _banner(request: HttpRequest) -> HttpResponse:
    return render(request, _BANNER, {"items": banner_for(current_agent(request))})
