"""The standalone page: viewer.html with its styles, scripts, fonts and the payload inlined.

The result loads nothing from anywhere (no CDN, no server, no font files): it opens from disk on a
machine with no network, and it is also what the notebook widget shows in its frame.
"""

from __future__ import annotations

import base64
import html
import json
import re
from functools import cache

from autograd_explorer.notebook.assets import read_asset, read_binary
from autograd_explorer.notebook.modules_js import LOADER, collect_modules

_STYLESHEET = re.compile(r'<link rel="stylesheet" href="(?P<href>[^"]+)">')
_CLASSIC = re.compile(r'<script src="(?P<src>[^"]+)"></script>')
_MODULE = re.compile(r'<script type="module" src="[^"]+"></script>')
_TITLE = "__AX_TITLE__"
_DATA = '<script type="application/json" id="trace-data">null</script>'
_FONT_SRC = re.compile(r"src:(?P<list>[^;}]*)")
_WOFF2 = re.compile(r"url\((?P<file>[^)]+\.woff2)\)")


def json_in_html(value: str) -> str:
    """JSON text safe inside a <script> element (`</script>` and `<!--` cannot occur in it)."""
    return value.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _stylesheet(href: str) -> str:
    css = read_asset(href)
    if "@font-face" in css:  # KaTeX: keep the woff2 faces only, as data: URLs (no font requests)
        folder = href.rsplit("/", 1)[0]

        def inline(match: re.Match[str]) -> str:
            font = _WOFF2.search(match["list"])
            if font is None:
                return match.group(0)
            data = base64.b64encode(read_binary(f"{folder}/{font['file']}")).decode()
            return f'src:url(data:font/woff2;base64,{data}) format("woff2")'

        css = _FONT_SRC.sub(inline, css)
    return f"<style>{css}</style>"


@cache
def _page_template() -> str:
    """viewer.html with every asset inlined; the payload and title are filled in per recording."""
    page = read_asset("/viewer.html")
    page = _STYLESHEET.sub(lambda m: _stylesheet(m["href"]), page)
    page = _CLASSIC.sub(lambda m: f"<script>{read_asset(m['src'])}</script>", page)
    modules = json_in_html(json.dumps(collect_modules()))
    loader = (
        f'<script type="application/json" id="ax-modules">{modules}</script>\n'
        f'<script type="module">{LOADER}</script>'
    )
    page = _MODULE.sub(lambda _: loader, page)
    return page.replace('<html lang="en">', f'<html lang="en" data-offline="true" data-title="{_TITLE}">', 1)


def standalone_page(payload_json: str, title: str = "Autograd Explorer") -> str:
    """One self-contained HTML document showing the payload (readable or compact trace JSON)."""
    page = _page_template().replace(_TITLE, html.escape(title, quote=True), 1)  # in <html>: the first
    return page.replace(
        _DATA, f'<script type="application/json" id="trace-data">{json_in_html(payload_json)}</script>', 1
    )
