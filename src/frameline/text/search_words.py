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
from functools import lru_cache

from frameline.text.normalize import _translation, normalize_text

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


# The same reduction over a whole text in two regex passes (C speed, no call per word):
# first every short word ending in لله becomes الله, then, at the start of every other
# word, the first conjunction + article that leaves two letters is dropped.  The
# alternatives are tried in `strip_arabic_article`'s order, so both always agree.
_WORD_START = r"(?<![^\W_])"
_ALLAH_WORDS = re.compile(_WORD_START + r"[^\W_]{0,2}لله(?![^\W_])")
_ARTICLES = re.compile(
    _WORD_START + "(?!" + ALLAH + r"(?![^\W_]))(?:"
    + "|".join(conjunction + prefix for conjunction in ("", *CONJUNCTIONS) for prefix in ARABIC_ARTICLE_PREFIXES)
    + r")(?=[^\W_]{2})"
)
_LAM = "\u0644"  # every article and الله contains it: text without it has nothing to strip
# The same two passes over words that are single-space separated with a space at both
# ends (what `index_text` has at hand): anchored on a literal space, which the regex
# engine finds far faster than a look-behind tried at every character.
_SPACED_ALLAH_WORDS = re.compile(r" [^ ]{0,2}لله(?= )")
_SPACED_ARTICLES = re.compile(
    " (?!" + ALLAH + " )(?:"
    + "|".join(conjunction + prefix for conjunction in ("", *CONJUNCTIONS) for prefix in ARABIC_ARTICLE_PREFIXES)
    + r")(?=[^ ]{2})"
)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def strip_arabic_articles(text: str) -> str:
    """`text` with `strip_arabic_article` applied to each of its words, separators kept."""
    if _LAM not in text:
        return text
    return _ARTICLES.sub("", _ALLAH_WORDS.sub(ALLAH, text))


def search_words(text: str) -> list[str]:
    """Words of already-normalised text, as the index stores them."""
    return WORD.findall(strip_arabic_articles(text))


@lru_cache(maxsize=1)
def _index_table() -> list[int | str]:
    """normalize's per-character table with everything that is not a word character
    afterwards turned into a space: normalising and splitting become one `translate`."""
    complete, _ = _translation()
    table: list[int | str] = []
    for code, entry in enumerate(complete):
        folded = chr(entry) if isinstance(entry, int) else entry
        mapped = "".join(char if WORD.fullmatch(char) else " " for char in folded)
        table.append(code if mapped == chr(code) else mapped)
    return table


@lru_cache(maxsize=1)
def _ascii_index_table() -> bytes:
    """`_index_table` for ASCII, as a bytes table (bytes.translate is several times faster)."""
    table = _index_table()
    return bytes(code if isinstance(table[code], int) else ord(table[code]) for code in range(128)) + bytes(128)


def index_text(text: str) -> str:
    """What the index columns hold: the search words, one space apart."""
    if text.isascii():
        return " ".join(text.encode("ascii").translate(_ascii_index_table()).decode("ascii").split())
    if _ASTRAL.search(text):  # the table covers the BMP only (emoji lie beyond)
        return " ".join(search_words(normalize_text(text)))
    spaced = " " + " ".join(text.translate(_index_table()).split()) + " "
    if _LAM in spaced:
        spaced = _SPACED_ARTICLES.sub(" ", _SPACED_ALLAH_WORDS.sub(" " + ALLAH, spaced))
    return spaced[1:-1]


def article_pattern(word: str) -> str:
    """A regex for `word` (a search word) as it may appear in normalised text, article included."""
    escaped = re.escape(word)
    if word == ALLAH:
        return "(?:و|ب|ف|ت)?(?:الله|لله)"
    if word[:1] and "\u0621" <= word[0] <= "\u064a":
        return "(?:[" + "".join(CONJUNCTIONS) + "]?(?:" + "|".join(ARABIC_ARTICLE_PREFIXES) + "))?" + escaped
    return escaped
