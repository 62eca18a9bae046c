"""Features of a technique span in its article, as strings a linear model weighs.

A technique is partly in the words of the span ("traitors", "Make America
Great Again"), partly in its context (a fear appeal sits in a sentence about
threats; Repetition is a phrase the article says again and again), and partly
in its shape (a one-word span is Loaded Language or Name Calling far more often
than a forty-word one).  Each feature is a named string (with a value for the
few real-valued ones) so the vocabulary and the weights can be saved as plain
JSON and arrays, read back with no code execution.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

CHAR_WEIGHT = 0.35  # feature-group weights, chosen on dev: the span's own words matter most
CONTEXT_WEIGHT = 0.2
_WORD = re.compile(r"\w+(?:['’]\w+)*|[!?\"“”‘’]")
_LETTER_WORD = re.compile(r"[^\W\d_]+")

# Small cue lists: words the shared task's annotation guidelines give as typical of a technique.
CUES: dict[str, frozenset[str]] = {
    "flag": frozenset("america american americans nation national patriot patriots patriotic country flag "
                      "homeland freedom sovereignty our we people citizens".split()),
    "fear": frozenset("threat threats danger dangerous fear terror terrorist terrorists destroy destruction kill "
                      "killed death die attack attacks crisis catastrophe disaster invasion war risk".split()),
    "doubt": frozenset("allegedly supposedly claim claims claimed questionable whether really truly doubt "
                       "credibility why unclear suspicious".split()),
    "authority": frozenset("said says according expert experts official officials professor doctor scientist "
                           "scientists study report pope president".split()),
    "cause": frozenset("because cause caused causes due result therefore thus so reason blame blamed".split()),
    "blackwhite": frozenset("either or only must choice choose no other all none never always".split()),
    "cliche": frozenset("period enough simply just it is what it that's end story".split()),
    "whatabout": frozenset("what about but then hypocrisy hypocrite hypocritical yet while".split()),
    "hitler": frozenset("hitler nazi nazis fascist fascists communist communists stalin everyone everybody "
                        "majority most popular".split()),
    "exaggerate": frozenset("never ever always biggest worst best greatest huge massive tiny every nothing "
                            "everything totally completely absolutely".split()),
}


def _normal(text: str) -> str:
    return " ".join(words(text))


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _bucket(value: float, edges: tuple[float, ...]) -> int:
    return next((i for i, edge in enumerate(edges) if value <= edge), len(edges))


@dataclass(frozen=True)
class ArticleIndex:
    """What span features need to know about the whole article, computed once per article."""

    text: str
    line_starts: tuple[int, ...]
    word_counts: Counter[str]
    lower: str
    span_texts: Counter[str]  # the spans to classify in this article, normalised: a phrase marked again is Repetition

    @classmethod
    def build(cls, text: str, spans: Iterable[tuple[int, int]] = ()) -> ArticleIndex:
        starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        distinct = set(spans)
        return cls(text, tuple(starts), Counter(words(text)), text.lower(),
                   Counter(_normal(text[start:end]) for start, end in distinct))

    def line_of(self, offset: int) -> tuple[int, int, int]:
        """(line number, line start, line end) of the line holding `offset`."""
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        start = self.line_starts[lo]
        end = self.text.find("\n", start)
        return lo, start, len(self.text) if end < 0 else end


def span_features(article: ArticleIndex, start: int, end: int) -> dict[str, float]:
    """The named features of text[start:end] in its article (see the module docstring)."""
    text = article.text
    span = text[start:end]
    span_words = words(span)
    features: dict[str, float] = {}

    def add(name: str, value: float = 1.0) -> None:
        features[name] = features.get(name, 0.0) + value

    n = len(span_words)
    for i, word in enumerate(span_words):
        add("w=" + word)
        if i + 1 < n:
            add("b=" + word + " " + span_words[i + 1])
    if span_words:
        add("first=" + span_words[0])
        add("last=" + span_words[-1])
    whole = " ".join(span_words)
    add("whole=" + whole)
    add(f"marked_again={_bucket(article.span_texts.get(whole, 0), (0, 1, 2, 3))}")
    padded = " " + " ".join(span_words) + " "
    for size in (3, 4, 5):
        for i in range(len(padded) - size + 1):
            add("c=" + padded[i:i + size], CHAR_WEIGHT)
    add(f"nwords={_bucket(n, (1, 2, 3, 5, 8, 12, 20, 35))}")
    add(f"nchars={_bucket(len(span), (5, 10, 20, 40, 80, 160))}")

    line, line_start, line_end = article.line_of(start)
    add(f"line={_bucket(line, (0, 2, 5, 10, 20, 40))}")
    add(f"relpos={_bucket(start / max(len(text), 1), (0.1, 0.3, 0.6, 0.9))}")
    sentence = text[line_start:start] + " " + text[end:line_end]
    context = words(sentence)
    for word in set(context):
        add("s=" + word, CONTEXT_WEIGHT)
    sentence_len = max(line_end - line_start, 1)
    add(f"cover={_bucket(len(span) / sentence_len, (0.1, 0.25, 0.5, 0.8, 0.95))}")
    before = words(text[max(line_start, start - 40):start])[-2:]
    after = words(text[end:min(line_end, end + 40)])[:2]
    for i, word in enumerate(reversed(before)):
        add(f"prev{i}=" + word)
    for i, word in enumerate(after):
        add(f"next{i}=" + word)

    # Repetition: how often the span's words, and the span itself, recur in the article.
    phrase = " ".join(span.lower().split())
    if phrase:
        occurrences = article.lower.count(phrase)
        add(f"phrase_count={_bucket(occurrences, (1, 2, 3, 5))}")
        # Said before, said again after: a later mention is Repetition more often than the first (dev +0.01).
        add(f"said_before={min(article.lower.count(phrase, 0, start), 3)}")
        add(f"said_after={min(article.lower.count(phrase, end), 3)}")
        content = [w for w in span_words if len(w) > 3]
        if content:
            mean_count = sum(article.word_counts[w] for w in content) / len(content)
            add(f"word_count={_bucket(mean_count, (1, 2, 3, 5, 10))}")
            add("word_count_log", math.log1p(mean_count) / 3)

    letters = _LETTER_WORD.findall(span)
    if letters:
        add(f"caps={_bucket(sum(w[0].isupper() for w in letters) / len(letters), (0, 0.3, 0.7, 0.99))}")
        if any(len(w) > 1 and w.isupper() for w in letters):
            add("allcaps")
    for mark, name in (("!", "excl"), ("?", "quest"), ('"', "quote"), ("“", "quote"), ("”", "quote"),
                       ("'", "squote")):
        if mark in span:
            add("span_" + name)
        if mark in text[line_start:line_end]:
            add("sent_" + name)
    if text[max(0, start - 1):start] in ('"', "“", "'", "‘"):
        add("quoted")
    span_set, context_set = set(span_words), set(context)
    for cue, vocabulary in CUES.items():
        if span_set & vocabulary:
            add("cue_span=" + cue)
        if context_set & vocabulary:
            add("cue_sent=" + cue)
    return features
