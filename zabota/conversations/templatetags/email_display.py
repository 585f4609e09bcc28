"""Showing a received email in the thread: inline ``cid:`` images point at the stored attachments."""

from __future__ import annotations

import html
import re
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_CID = re.compile(r'data-cid="([^"]*)"')


@register.filter
def email_html(message: Any) -> SafeString:
    """The message's sanitised HTML with each ``data-cid`` image given its attachment's URL.

    ``Message.html`` was sanitised when the email arrived (remote images keep only
    ``data-remote-src``); this only adds ``src`` for inline images we stored ourselves.
    """
    markup: str = message.html or ""
    if "data-cid=" not in markup:
        return mark_safe(markup)  # noqa: S308 - sanitised with nh3 when stored
    urls = {a.inline_cid.strip("<>"): a.file.url for a in message.attachments.all() if a.inline_cid}

    def point(match: re.Match[str]) -> str:
        url = urls.get(html.unescape(match.group(1)))
        if url is None:
            return match.group(0)
        return f'src="{html.escape(url, quote=True)}" {match.group(0)}'

    return mark_safe(_CID.sub(point, markup))  # noqa: S308 - sanitised with nh3 when stored
