"""Workspace pages of conversations: ``/`` → inbox, ``/inbox/``, ``/c/<number>/`` and its actions.

Names are global (no namespace) because settings refer to ``inbox`` as the login redirect.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from zabota.conversations.views import conversation, email_delivery, inbox, writes
from zabota.conversations.views_board import board, route_now

_C = "c/<int:number>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", inbox.home, name="home"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("board/", board, name="board"),
    path(_C, conversation.conversation_detail, name="conversation"),
    path(_C + "targets/", conversation.conversation_targets, name="conversation_targets"),
    path(_C + "reply/", writes.reply, name="conversation_reply"),
    path(_C + "note/", writes.note, name="conversation_note"),
    path(_C + "status/", writes.set_status, name="conversation_status"),
    path(_C + "priority/", writes.set_priority, name="conversation_priority"),
    path(_C + "category/", writes.set_category, name="conversation_category"),
    path(_C + "subject/", writes.set_subject, name="conversation_subject"),
    path(_C + "assignee/", writes.assign, name="conversation_assign"),
    path(_C + "route/", route_now, name="conversation_route"),
    path(_C + "team/", writes.set_team, name="conversation_team"),
    path(_C + "tags/", writes.set_tags, name="conversation_tags"),
    path(_C + "transfer/", writes.transfer, name="conversation_transfer"),
    path(_C + "escalate/", writes.escalate, name="conversation_escalate"),
    path(_C + "merge/", writes.merge, name="conversation_merge"),
    path(_C + "macro/preview/", writes.macro_preview, name="conversation_macro_preview"),
    path(_C + "macro/apply/", writes.macro_apply, name="conversation_macro_apply"),
    path(_C + "customer-note/", writes.customer_note, name="conversation_customer_note"),
    path(_C + "messages/<int:message_id>/resend/", email_delivery.resend, name="conversation_message_resend"),
]
