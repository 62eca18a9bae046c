"""The words that full-text search indexes and looks up, identical for text and queries.

Normalised (see `normalize`), split on anything that is not a letter or digit,
and, for Arabic, with the definite article and the particles fused to it
removed: الموصل, بالموصل, والموصل and للموصل all index as موصل, so an analyst
searching "موصل" or "الموصل" finds every form.  This is the prefix half of the
light stemming that search engines apply to Arabic (Larkey et al.'s light10,
as in Lucene's ArabicStemmer); suffixes are kept, since stripping them merges
too many distinct words for evidence-grade search.
"""

from __future__ import annotations

import re

from frameline.text.normalize import normalize_text

WORD = re.compile(r"[^\W_]+")
# Longest first; each ends with the article ال (لل is ل + ال with the alef dropped).
ARABIC_ARTICLE_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
ALLAH = "الله"  # الله, والله, بالله, لله: one word, never "له" ("to him")


CONJUNCTIONS = ("و", "ف")  # "and", "so": may precede a particle + article, as in وبالموصل


def strip_arabic_article(word: str) -> str:
    if word.endswith("لله") and len(word) <= 5:
        return ALLAH
    for conjunction in ("", *CONJUNCTIONS):
        if not word.startswith(conjunction):
            continue
        rest = word[len(conjunction):]
        for prefix in ARABIC_ARTICLE_PREFIXES:
            if rest.startswith(prefix) and len(rest) - len(prefix) >= 2:
                return rest[len(prefix):]
    return word


def search_words(text: str) -> list[str]:
    """Words of already-normalised text, as the index stores them."""
    return [strip_arabic_article(word) for word in WORD.findall(text)]


def index_text(text: str) -> str:
    """What the index columns hold: the search words, one space apart."""
    return " ".join(search_words(normalize_text(text)))


def article_pattern(word: str) -> str:
    """A regex for `word` (a search word) as it may appear in normalised text, article included."""
    escaped = re.escape(word)
    if word == ALLAH:
        return "(?:و|ب|ف|ت)?(?:الله|لله)"
    if word[:1] and "\u0621" <= word[0] <= "\u064a":
        return "(?:[" + "".join(CONJUNCTIONS) + "]?(?:" + "|".join(ARABIC_ARTICLE_PREFIXES) + "))?" + escaped
    return escaped
