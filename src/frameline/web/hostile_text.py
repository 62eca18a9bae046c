"""Rendering text we did not write: every document is hostile until proven otherwise.

Escaping stops markup; it does not stop Unicode bidi controls, which can make
an Arabic or English line display in an order that hides what it says (the
"Trojan Source" trick).  They are shown as visible, labelled tokens instead of
being obeyed.  Links are only links when they are plain http(s).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from markupsafe import Markup, escape

BIDI_CONTROLS = {
    "\u202a": "LRE", "\u202b": "RLE", "\u202c": "PDF", "\u202d": "LRO", "\u202e": "RLO",
    "\u2066": "LRI", "\u2067": "RLI", "\u2068": "FSI", "\u2069": "PDI",
    "\u200e": "LRM", "\u200f": "RLM", "\u061c": "ALM",
}
_BIDI = re.compile("[" + "".join(BIDI_CONTROLS) + "]")


def visible_text(text: str | None) -> Markup:
    """Escaped text with each bidi control replaced by a visible, inert token."""
    if not text:
        return Markup("")
    out: list[str] = []
    cursor = 0
    for match in _BIDI.finditer(text):
        out.append(str(escape(text[cursor:match.start()])))
        char = match.group()
        name = unicodedata.name(char, "bidi control")
        out.append(f'<span class="ctl" title="U+{ord(char):04X} {escape(name)}">[{BIDI_CONTROLS[char]}]</span>')
        cursor = match.end()
    out.append(str(escape(text[cursor:])))
    return Markup("".join(out))


def strip_bidi(text: str | None) -> str:
    """For places where markup cannot go (attribute values, titles): drop the controls."""
    return _BIDI.sub("", text or "")


def safe_link(url: str | None) -> Markup:
    """An <a> for http(s) URLs; anything else (javascript:, data:, vbscript:) stays inert text."""
    if not url:
        return Markup("")
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        scheme = ""
    if scheme in ("http", "https") and not any(ord(c) < 32 for c in url):
        return Markup('<a href="{}" rel="noopener noreferrer nofollow" target="_blank">{}</a>').format(
            url.strip(), visible_text(url))
    return Markup('<span class="inert-url" title="not a web link; shown as text">{}</span>').format(visible_text(url))
