"""Sentence boundaries for English and Arabic text, as offsets into the original string.

Frames are coded per sentence (the unit analysts quote as evidence), so the
splitter must be fast and predictable rather than clever: a sentence ends at
. ! ? ؟ … (optionally followed by closing quotes or brackets) before
whitespace, or at a line break.  A full stop does not end a sentence after a
common abbreviation (Mr., Dr., U.S.) or a single capital initial, nor inside
numbers (3.5) or URLs, since neither is followed by whitespace.
"""

from __future__ import annotations

import re

_BREAK = re.compile(r"[.!?\u061f\u2026\u06d4]+[\"'\u201d\u2019\u00bb)\]]*(?=\s)|\n\s*")
_ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "capt", "maj", "st", "sen", "rep", "gov", "rev",
    "jr", "sr", "vs", "etc", "no", "vol", "fig", "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "e.g", "i.e", "a.m", "p.m", "al",
})
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def split_sentences(text: str, min_chars: int = 2) -> list[tuple[int, int]]:
    """[start, end) of each sentence, surrounding whitespace excluded, in text order."""
    sentences: list[tuple[int, int]] = []
    start = 0
    for match in _BREAK.finditer(text):
        if match.group()[0] == ".":
            before = _WORD_BEFORE.search(text, max(0, match.start() - 12), match.start())
            word = before.group(1).lower() if before else ""
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha() and text[match.start() - 1].isupper()):
                continue
        _append(text, start, match.end(), sentences, min_chars)
        start = match.end()
    _append(text, start, len(text), sentences, min_chars)
    return sentences


def _append(text: str, start: int, end: int, sentences: list[tuple[int, int]], min_chars: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start >= min_chars:
        sentences.append((start, end))
