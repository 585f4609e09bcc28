"""Sending a failed or bounced email reply again, from the thread."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zabota.conversations.email_outbound import retry_email
from zabota.conversations.models import Message
from zabota.conversations.views.conversation import (
    THREAD,
    TIMELINE,
    actor_of,
    get_conversation,
    render_update,
)
from zabota.core.views import agent_required


@require_POST
@agent_required
def resend(request: HttpRequest, number: int, message_id: int) -> HttpResponse:
    conversation = get_conversation(request, number)
    message = (
        Message.objects.for_store(conversation.store_id)
        .filter(conversation=conversation, pk=message_id)
        .first()
    )
    if message is None:
        raise Http404
    retry_email(message=message, by=actor_of(request))
    return render_update(
        request, number, message=_("The reply is queued to be sent again."), parts=(THREAD, TIMELINE)
    )
