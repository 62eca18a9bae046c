"""Search-result snippets: a window of the original text around the first hit.

Made in Python from the stored text rather than by the database, so that both
backends give the same snippets, and so that highlights sit on the original
characters (the index only holds normalised text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from frameline.text.normalize import normalize_with_offsets
from frameline.text.search_words import article_pattern


@dataclass(frozen=True)
class Fragment:
    text: str
    highlighted: bool


def _term_pattern(terms: list[tuple[str, bool]]) -> re.Pattern[str] | None:
    parts = []
    for text, prefix in terms:
        words = [article_pattern(word) for word in text.split()]
        if not words:
            continue
        body = r"\W+".join(words)
        parts.append(rf"(?<!\w){body}" + (r"\w*" if prefix else r"(?!\w)"))
    if not parts:
        return None
    return re.compile("|".join(sorted(parts, key=len, reverse=True)))


def make_snippet(text: str, terms: list[tuple[str, bool]], width: int = 220) -> list[Fragment]:
    """Fragments of `text` around the first match of any (normalised term, is_prefix)."""
    pattern = _term_pattern(terms)
    if pattern is None:
        return [Fragment(_clip(text, width), False)]
    normalized = normalize_with_offsets(text)
    matches = [normalized.to_original(m.start(), m.end()) for m in pattern.finditer(normalized.text)]
    if not matches:
        return [Fragment(_clip(text, width), False)]
    first_start = matches[0][0]
    window_start = max(0, first_start - width // 3)
    if window_start:  # do not cut a word in half
        space = text.rfind(" ", 0, window_start)
        window_start = space + 1 if space != -1 and first_start - space < width // 2 else window_start
    window_end = min(len(text), window_start + width)
    fragments: list[Fragment] = []
    if window_start > 0:
        fragments.append(Fragment("…", False))
    cursor = window_start
    for start, end in matches:
        if start < cursor:
            continue
        if start >= window_end:
            break
        fragments.append(Fragment(text[cursor:start], False))
        fragments.append(Fragment(text[start:end], True))
        cursor = end
    fragments.append(Fragment(text[cursor:max(cursor, window_end)], False))
    if window_end < len(text):
        fragments.append(Fragment("…", False))
    return [fragment for fragment in fragments if fragment.text]


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width].rstrip() + "…"
