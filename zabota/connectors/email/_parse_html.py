"""HTML sanitising for `zabota.connectors.email.parse`."""

from __future__ import annotations

import html as html_lib
import re
import urllib.parse

import nh3

# --- HTML --------------------------------------------------------------------------------------

_STYLE_PROPERTIES = {
    *("color", "background-color", "font-weight", "font-style", "font-size", "font-family", "text-align"),
    *("text-decoration", "vertical-align", "white-space", "width", "height", "border-collapse"),
    *(
        f"{box}{side}"
        for box in ("margin", "padding", "border")
        for side in ("", "-left", "-right", "-top", "-bottom")
    ),
}
_ALLOWED_ATTRIBUTES = {
    **nh3.ALLOWED_ATTRIBUTES,
    "*": set(nh3.ALLOWED_ATTRIBUTES.get("*", set())) | {"style", "title", "lang", "dir"},
    "img": {"src", "alt", "width", "height", "title"},
}
_URL_SCHEMES = set(nh3.ALLOWED_URL_SCHEMES) | {"cid"}
_IMG_TAG = re.compile(r'<img\b((?:[^>"]|"[^"]*")*)>')
_ATTRIBUTE = re.compile(r'([^\s="/]+)(?:="([^"]*)")?')


def sanitize_html(markup: str) -> tuple[str, int]:
    """Sanitise email HTML for display; returns (safe HTML, number of remote images blocked).

    Remote images (http/https) lose ``src`` and keep the address in ``data-remote-src`` so the UI
    can offer "show images"; ``cid:`` images get ``data-cid`` (the Content-ID, decoded) for the UI
    to point at the stored attachment; any other image source is dropped.
    """
    clean = nh3.clean(
        markup,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        filter_style_properties=_STYLE_PROPERTIES,
        clean_content_tags={"script", "style", "title", "head"},
    )
    remote = 0

    def rewrite(match: re.Match[str]) -> str:
        nonlocal remote
        kept: list[str] = []
        extra = ""
        for attr in _ATTRIBUTE.finditer(match.group(1)):
            name, value = attr.group(1), attr.group(2) or ""
            if name.lower() != "src":
                kept.append(attr.group(0))
                continue
            source = html_lib.unescape(value).strip()
            lowered = source.lower()
            if lowered.startswith(("http://", "https://", "//")):
                remote += 1
                extra = f' data-remote-src="{html_lib.escape(source, quote=True)}"'
            elif lowered.startswith("cid:"):
                content_id = urllib.parse.unquote(source[4:]).strip("<>")
                extra = f' data-cid="{html_lib.escape(content_id, quote=True)}"'
        return "<img" + "".join(f" {item}" for item in kept) + extra + ">"

    return _IMG_TAG.sub(rewrite, clean), remote
