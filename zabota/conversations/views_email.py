"""Received emails for administrators: what failed or was ignored and why, the raw .eml, "process again"."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zabota.connectors.models import RawEmail, RawEmailQuerySet, RawEmailStatus
from zabota.conversations import email_inbound
from zabota.conversations.models import Message
from zabota.core.errors import DomainError
from zabota.stores.permissions import Perm
from zabota.stores.views.common import agent_required, current_store, require_perm

_LIST = "conversations/manage/raw_emails.html"
PAGE_SIZE = 50
# The list's tabs: failed first, because those need an administrator.
FILTERS = ("failed", "ignored", "all")


def _raw_emails(request: HttpRequest) -> RawEmailQuerySet:
    return RawEmail.objects.for_store(current_store(request))


@agent_required
def raw_email_list(request: HttpRequest) -> HttpResponse:
    require_perm(request, Perm.MANAGE_STORE)
    shown = request.GET.get("status", "failed")
    if shown not in FILTERS:
        shown = "failed"
    rows = _raw_emails(request).defer("raw").select_related("mailbox").order_by("-id")
    if shown != "all":
        rows = rows.filter(status=shown)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    message_pks = [row.message_pk for row in page if row.message_pk]
    numbers = dict(
        Message.objects.filter(store=current_store(request), pk__in=message_pks).values_list(
            "pk", "conversation__number"
        )
    )
    for row in page:
        row.conversation_number = numbers.get(row.message_pk or 0)  # type: ignore[attr-defined]
    return render(request, _LIST, {"page": page, "shown": shown, "filters": FILTERS})


@agent_required
def raw_email_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The bytes exactly as received, for a mail client or a bug report."""
    require_perm(request, Perm.MANAGE_STORE)
    row = get_object_or_404(_raw_emails(request), pk=pk)
    response = HttpResponse(bytes(row.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="email-{row.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@agent_required
@require_POST
def raw_email_process(request: HttpRequest, pk: int) -> HttpResponse:
    """Run an ignored or failed email through processing again (also past the per-sender limit)."""
    require_perm(request, Perm.MANAGE_STORE)
    row = get_object_or_404(_raw_emails(request).defer("raw"), pk=pk)
    back = request.POST.get("status", "failed")
    if back not in FILTERS:
        back = "failed"
    try:
        result = email_inbound.process_raw_email(row.pk, force=True)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('manage:raw_emails')}?status={back}")
    if result.status == RawEmailStatus.PROCESSED:
        messages.success(request, _("The email was processed."))
    elif result.status == RawEmailStatus.IGNORED:
        messages.info(
            request, _("The email was ignored again: %(reason)s") % {"reason": result.error or result.kind}
        )
    else:
        messages.error(request, _("The email failed again: %(reason)s") % {"reason": result.error})
    return redirect(f"{reverse('manage:raw_emails')}?status={back}")
