"""Distinctive words of two sides, per language, by weighted log-odds (see `statistics`).

Words are the ones full-text search indexes (`text.search_words`: normalised,
Arabic article and fused particles removed), read from the stored index
column, so "الموصل" and "بالموصل" count as one word and no text is
re-tokenised.  Languages are kept apart: pooling Arabic and English would
make "the language a side writes in" the most distinctive thing about it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from frameline.insights.selection import Selection
from frameline.insights.statistics import WordScore, weighted_log_odds
from frameline.store import aggregates
from frameline.store.sql import SqlStore

# What a URL leaves behind once split into words; not vocabulary.
URL_DEBRIS = frozenset({"http", "https", "www", "com", "co", "org", "net", "html", "htm", "php", "amp"})
MAX_DOCUMENTS_PER_SIDE = 5_000  # newest stored first: enough for word statistics; a whole-group contrast stays quick


def words_of(indexed_text: str) -> list[str]:
    return [word for word in indexed_text.split()
            if len(word) > 1 and not word.isdigit() and word not in URL_DEBRIS]


@dataclass
class LanguageTerms:
    language: str
    tokens_a: int
    tokens_b: int
    documents_a: int
    documents_b: int
    top_a: list[WordScore]  # most distinctive of side A, highest z first
    top_b: list[WordScore]  # most distinctive of side B, lowest z first


def count_words(store: SqlStore, side: Selection, limit: int | None) -> dict[str, tuple[Counter[str], int]]:
    """Per language: word counts and number of documents of a side."""
    by_language: dict[str, tuple[Counter[str], int]] = {}
    for language, text in aggregates.normalised_texts(store, side, limit):
        counts, documents = by_language.get(language or "und", (Counter(), 0))
        counts.update(words_of(text or ""))
        by_language[language or "und"] = (counts, documents + 1)
    return by_language


def distinctive_terms(
    store: SqlStore, a: Selection, b: Selection, top: int = 15, min_count: int = 3,
    max_documents: int | None = MAX_DOCUMENTS_PER_SIDE, prior_scale: float | None = None, min_z: float = 1.96,
) -> list[LanguageTerms]:
    """Per language both sides write in, the `top` words most distinctive of each (|z| > `min_z` only)."""
    words_a, words_b = count_words(store, a, max_documents), count_words(store, b, max_documents)
    results = []
    for language in sorted(set(words_a) & set(words_b)):
        (counts_a, docs_a), (counts_b, docs_b) = words_a[language], words_b[language]
        scores = [score for score in weighted_log_odds(counts_a, counts_b, prior_scale=prior_scale)
                  if score.count_a + score.count_b >= min_count]
        ranked = sorted(scores, key=lambda score: (-score.z, score.word))
        top_a = [score for score in ranked if score.z > min_z][:top]
        top_b = [score for score in reversed(ranked) if score.z < -min_z][:top]
        results.append(LanguageTerms(language, sum(counts_a.values()), sum(counts_b.values()), docs_a, docs_b,
                                     top_a, top_b))
    results.sort(key=lambda terms: -(terms.tokens_a + terms.tokens_b))
    return results
