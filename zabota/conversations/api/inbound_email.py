"""API: raw MIME from email services' inbound webhooks, one URL per mailbox.

``POST /inbound/email/{mailbox_id}`` with the mailbox's secret as ``Authorization: Bearer <secret>``,
an ``X-Zabota-Secret`` header or a ``?secret=`` parameter (for services that only take a URL). The body
is the email itself (``message/rfc822`` or any non-form type), or a form whose ``email`` (SendGrid)
or ``body-mime`` (Mailgun) field, or first file, holds it. The bytes are stored before they are
parsed; a message that cannot be parsed is kept, flagged for admins and answered 200 with the reason,
so the service does not retry it forever.
"""

from __future__ import annotations

import hmac

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from zabota.connectors.models import Mailbox, RawEmailStatus
from zabota.conversations.email_inbound import process_raw_email, store_raw_email
from zabota.conversations.models import Message
from zabota.core.api import ERRORS, ErrorOut, check_id
from zabota.core.errors import DomainError, InvalidInput, NotFound, PayloadTooLarge

router = Router(tags=["inbound"])
_FORM_FIELDS = ("email", "body-mime")


class WrongSecret(DomainError):
    status = 401
    code = "unauthorized"


class InboundEmailOut(Schema):
    raw_email_id: int
    status: str
    error: str = ""
    message_id: int | None = None
    conversation_id: int | None = None


def _secret_of(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("X-Zabota-Secret", "") or request.GET.get("secret", "")


def _mailbox(request: HttpRequest, mailbox_id: int) -> Mailbox:
    mailbox = Mailbox.objects.filter(pk=check_id(mailbox_id), is_active=True).first()
    if mailbox is None:
        raise NotFound(_("No such mailbox."))
    secret = _secret_of(request)
    if not secret or not hmac.compare_digest(secret.encode(), mailbox.inbound_secret.encode()):
        raise WrongSecret(_("The mailbox secret is missing or wrong."))
    return mailbox


def _raw_of(request: HttpRequest) -> bytes:
    try:
        if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            for name in _FORM_FIELDS:
                if request.POST.get(name):
                    return request.POST[name].encode("utf-8", "surrogateescape")
            for name in request.FILES:
                for upload in request.FILES.getlist(name):
                    return bytes(upload.read())
            return b""
        return request.body
    except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent) as exc:
        raise PayloadTooLarge(_("The request body is too large.")) from exc


@router.post(
    "/inbound/email/{mailbox_id}",
    response={200: InboundEmailOut, 201: InboundEmailOut, 413: ErrorOut, **ERRORS},
    auth=None,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def post_email(request: HttpRequest, mailbox_id: int) -> Status[dict[str, object]]:
    """Store and process one raw email; 201 when it became a message, 200 when kept but not
    turned into one (``status`` ``ignored`` or ``failed`` with ``error`` saying why)."""
    mailbox = _mailbox(request, mailbox_id)
    raw = _raw_of(request)
    if not raw.strip():
        raise InvalidInput(_("The body holds no email."), field="body")
    stored = store_raw_email(mailbox=mailbox, raw=raw, source="http")
    row = process_raw_email(stored.pk)
    body: dict[str, object] = {"raw_email_id": row.pk, "status": row.status, "error": row.error}
    if row.status == RawEmailStatus.PROCESSED and row.message_pk:
        conversation_id = (
            Message.objects.filter(pk=row.message_pk).values_list("conversation_id", flat=True).first()
        )
        body.update(message_id=row.message_pk, conversation_id=conversation_id)
        return Status(201, body)
    return Status(200, body)
