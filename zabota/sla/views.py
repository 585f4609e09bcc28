"""Settings pages of service targets: policies (ordered) and business calendars. Admins and team leads."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zabota.core.errors import DomainError
from zabota.sla import actions
from zabota.sla.forms import (
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    PRIORITY_LABELS,
    WEEKDAY_LABELS,
    CalendarForm,
    ImportForm,
    PolicyForm,
    format_intervals,
)
from zabota.sla.models import WEEKDAYS, BusinessCalendar, Policy
from zabota.stores.permissions import Perm
from zabota.stores.views.common import (
    actor_of,
    agent_required,
    current_store,
    invalid_form,
    render_form_error,
    require_perm,
)

_POLICIES = "sla/policies.html"
_POLICY_FORM = "sla/policy_form.html"
_CALENDARS = "sla/calendars.html"
_CALENDAR_FORM = "sla/calendar_form.html"


def _labels(values: list[str], labels: dict[str, Any]) -> str:
    return ", ".join(str(labels.get(v, v)) for v in values)


def _describe(policy: Policy) -> dict[str, Any]:
    conditions = [
        (_("Channels"), _labels(policy.channels, CHANNEL_LABELS)),
        (_("Categories"), _labels(policy.categories, CATEGORY_LABELS)),
        (_("Priorities"), _labels(policy.priorities, PRIORITY_LABELS)),
        (_("Customer tags"), ", ".join(policy.customer_tags)),
        (_("Team"), policy.team.name if policy.team else ""),
    ]
    return {"policy": policy, "conditions": [(label, value) for label, value in conditions if value]}


@require_GET
@agent_required
def policy_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_SERVICE_TARGETS)
    policies = Policy.objects.for_store(current_store(request)).in_order().select_related("team", "calendar")
    return render(request, _POLICIES, {"rows": [_describe(p) for p in policies]})


@require_POST
@agent_required
def policy_defaults(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_SERVICE_TARGETS)
    created = actions.ensure_default_policies(store=current_store(request), by=actor_of(request))
    messages.success(request, _("The store has %(n)s policies.") % {"n": len(created)})
    return redirect("sla:policies")


@agent_required
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_perm(request, Perm.MANAGE_SERVICE_TARGETS)
    store = current_store(request)
    policy = get_object_or_404(Policy.objects.for_store(store), pk=pk) if pk is not None else None
    context: dict[str, Any] = {"editing": policy}
    if request.method != "POST":
        initial = PolicyForm.initial_of(policy) if policy else None
        return render(request, _POLICY_FORM, {**context, "form": PolicyForm(store=store, initial=initial)})
    form = PolicyForm(request.POST, store=store)
    if not form.is_valid():
        return invalid_form(request, _POLICY_FORM, {**context, "form": form})
    try:
        saved = actions.save_policy(store=store, by=actor_of(request), fields=form.to_fields(), policy=policy)
    except DomainError as exc:
        return render_form_error(request, _POLICY_FORM, context, form, exc)
    messages.success(request, _("Policy %(name)s was saved.") % {"name": saved.name})
    return redirect("sla:policies")


@require_POST
@agent_required
def policy_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, Perm.MANAGE_SERVICE_TARGETS)
    policy = get_object_or_404(Policy.objects.for_store(current_store(request)), pk=pk)
    actions.delete_policy(policy=policy, by=actor_of(request))
    messages.success(request, _("Policy %(name)s was deleted.") % {"name": policy.name})
    return redirect("sla:policies")


@require_POST
@agent_required
def policy_move(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, Perm.MANAGE_SERVICE_TARGETS)
    policy = get_object_or_404(Policy.objects.for_store(current_store(request)), pk=pk)
    actions.move_policy(policy=policy, by=actor_of(request), up=request.POST.get("direction") != "down")
    return redirect("sla:policies")


@require_GET
@agent_required
def calendar_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_SERVICE_TARGETS)
    calendars = BusinessCalendar.objects.for_store(current_store(request)).select_related("team")
    rows = [
        {
            "calendar": c,
            "week": [
                (WEEKDAY_LABELS[d], format_intervals(c.week.get(d, []))) for d in WEEKDAYS if c.week.get(d)
            ],
        }
        for c in calendars
    ]
    return render(request, _CALENDARS, {"rows": rows})


@agent_required
@require_http_methods(["GET", "POST"])
def calendar_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_perm(request, Perm.MANAGE_SERVICE_TARGETS)
    store = current_store(request)
    calendar = get_object_or_404(BusinessCalendar.objects.for_store(store), pk=pk) if pk is not None else None
    context: dict[str, Any] = {"editing": calendar, "import_form": ImportForm()}
    if request.method != "POST":
        initial = CalendarForm.initial_of(calendar) if calendar else {"timezone": store.timezone}
        return render(
            request, _CALENDAR_FORM, {**context, "form": CalendarForm(store=store, initial=initial)}
        )
    form = CalendarForm(request.POST, store=store)
    if not form.is_valid():
        return invalid_form(request, _CALENDAR_FORM, {**context, "form": form})
    data = form.cleaned_data
    try:
        saved = actions.save_calendar(
            store=store,
            by=actor_of(request),
            calendar=calendar,
            name=data["name"],
            timezone=data["timezone"],
            week=data["week"],
            holidays=data["holidays"],
            workdays=data["workdays"],
            shortened=data["shortened"],
            team=data["team"],
        )
    except DomainError as exc:
        if exc.field == "week":
            exc.field = "week_mon"
        return render_form_error(request, _CALENDAR_FORM, context, form, exc)
    messages.success(request, _("Calendar %(name)s was saved.") % {"name": saved.name})
    return redirect("sla:calendars")


@require_POST
@agent_required
def calendar_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_perm(request, Perm.MANAGE_SERVICE_TARGETS)
    calendar = get_object_or_404(BusinessCalendar.objects.for_store(current_store(request)), pk=pk)
    actions.delete_calendar(calendar=calendar, by=actor_of(request))
    messages.success(request, _("Calendar %(name)s was deleted.") % {"name": calendar.name})
    return redirect("sla:calendars")


@require_POST
@agent_required
def calendar_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Holidays and moved working days from a production calendar file (CSV or iCal)."""
    require_perm(request, Perm.MANAGE_SERVICE_TARGETS)
    store = current_store(request)
    calendar = get_object_or_404(BusinessCalendar.objects.for_store(store), pk=pk)
    import_form = ImportForm(request.POST, request.FILES)
    context: dict[str, Any] = {
        "editing": calendar,
        "form": CalendarForm(store=store, initial=CalendarForm.initial_of(calendar)),
        "import_form": import_form,
    }
    if not import_form.is_valid():
        return render(request, _CALENDAR_FORM, context, status=400)
    upload = import_form.cleaned_data["file"]
    if upload.size > 2 * 1024 * 1024:
        import_form.add_error("file", _("The file is larger than 2 MB."))
        return render(request, _CALENDAR_FORM, context, status=400)
    try:
        holidays, workdays, shortened = actions.import_production_calendar(
            calendar=calendar, by=actor_of(request), filename=upload.name or "", content=upload.read()
        )
    except DomainError as exc:
        import_form.add_error("file", exc.message)
        return render(request, _CALENDAR_FORM, context, status=exc.status)
    messages.success(
        request,
        _("Imported %(h)s holidays, %(w)s moved working days and %(s)s shortened days.")
        % {"h": holidays, "w": workdays, "s": shortened},
    )
    return redirect("sla:calendar_edit", pk=calendar.pk)
