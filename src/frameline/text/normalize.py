"""Matching-oriented normalisation that keeps a map back to the original text.

Analysts search "الدولة الإسلامية" and expect hits written "الدوله الاسلاميه",
with diacritics or with tatweel; they search "Mosul" and expect "MOSUL" and
"Mósul".  Detectors match on the normalised text but must report evidence in
the original, so `normalize_with_offsets` returns, for each normalised
character, the index of the original character it came from.

The mapping is a per-character table (one code point becomes zero, one or
several), which makes the search-only path a single `str.translate` call in C.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

# Arabic letters that carry the same word in everyday spelling variation.
ARABIC_FOLDING = {
    "\u0622": "\u0627",  # alef with madda -> alef
    "\u0623": "\u0627",  # alef with hamza above -> alef
    "\u0625": "\u0627",  # alef with hamza below -> alef
    "\u0671": "\u0627",  # alef wasla -> alef
    "\u0672": "\u0627",
    "\u0673": "\u0627",
    "\u0649": "\u064a",  # alef maqsura -> ya
    "\u06cc": "\u064a",  # farsi yeh -> ya
    "\u06d2": "\u064a",  # yeh barree -> ya
    "\u0629": "\u0647",  # ta marbuta -> ha
    "\u06c0": "\u0647",
    "\u0624": "\u0648",  # waw with hamza -> waw
    "\u0626": "\u064a",  # ya with hamza -> ya
    "\u06a9": "\u0643",  # keheh -> kaf
    "\u0640": "",  # tatweel (kashida) carries no meaning
}
# Marks that are not category Mn but should vanish for matching.
INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u00ad"
ARABIC_INDIC_DIGITS = {chr(0x0660 + i): str(i) for i in range(10)} | {chr(0x06F0 + i): str(i) for i in range(10)}


def _fold_char(char: str) -> str:
    if char in ARABIC_FOLDING:
        return ARABIC_FOLDING[char]
    if char in ARABIC_INDIC_DIGITS:
        return ARABIC_INDIC_DIGITS[char]
    if char in INVISIBLE:
        return ""
    if unicodedata.category(char) == "Mn":
        return ""  # diacritics: Arabic harakat, shadda, Latin combining accents
    code = ord(char)
    if 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF or 0xFF00 <= code <= 0xFFEF:
        char = unicodedata.normalize("NFKC", char)  # presentation forms from PDFs, fullwidth
    folded = []
    for piece in unicodedata.normalize("NFD", char.casefold()):
        if unicodedata.category(piece) == "Mn":
            continue
        folded.append(ARABIC_FOLDING.get(piece, piece))
    result = "".join(folded)
    return result


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        folded = _fold_char(char)
        if folded != char:
            table[code] = folded
    return table


def folding_table() -> dict[int, str]:
    """Code point -> what it normalises to, for every BMP character that changes (a copy, to read)."""
    return dict(_table())


@lru_cache(maxsize=1)
def _translation() -> tuple[list[int | str], bool]:
    """`_table()` as a list indexed by code point, identity (an int) where nothing changes.

    str.translate looks a list up about twice as fast as a dict, and an unmapped
    character costs no KeyError; code points past the list (outside the BMP) raise
    IndexError and stay as they are, exactly as a dict miss does.  Also says whether
    the table folds ASCII to plain lower case, so pure-ASCII text can use str.lower.
    """
    table = _table()
    complete: list[int | str] = list(range(0x10000))
    for code, folded in table.items():
        complete[code] = folded
    ascii_is_lower = all(table.get(code, chr(code)) == chr(code).lower() for code in range(128))
    return complete, ascii_is_lower


def normalize_text(text: str) -> str:
    """Normalised text for indexing and matching; no offsets."""
    complete, ascii_is_lower = _translation()
    if ascii_is_lower and text.isascii():
        return text.lower()
    return text.translate(complete)


@dataclass(frozen=True)
class NormalizedText:
    """`text` is the normalised string; `origin[i]` is the original index of text[i].

    `origin` has one extra entry, the original length, so that an end offset
    (exclusive) maps back as well.
    """

    text: str
    origin: tuple[int, ...] | None  # None means identity: same length, same positions
    original_length: int

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) range in the normalised text to the original text."""
        if self.origin is None:
            return start, end
        if start >= end:
            position = self.origin[start]
            return position, position
        first = self.origin[start]
        last = self.origin[end - 1]
        # The original end is just past the last original character that fed the range,
        # including characters that were deleted right after it (e.g. a diacritic).
        next_kept = self.origin[end] if end < len(self.origin) else self.original_length
        original_end = max(last + 1, next_kept if next_kept > last else last + 1)
        return first, original_end

    def to_normalized(self, original_index: int) -> int:
        """The first normalised position at or after an original index."""
        if self.origin is None:
            return original_index
        return bisect_right(self.origin, original_index - 1, hi=len(self.origin) - 1)


@lru_cache(maxsize=1)
def _uneven() -> re.Pattern[str]:
    """A character class of the code points that normalise to zero or several characters.

    Only those break the one-to-one alignment, and they are sparse even in
    vocalised Arabic, so the offset map is built from runs of identity between them.
    """
    codes = sorted(code for code, folded in _table().items() if len(folded) != 1)
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return re.compile("[" + "".join(f"\\U{first:08x}-\\U{last:08x}" for first, last in ranges) + "]")


@lru_cache(maxsize=1)
def _ascii_is_even() -> bool:
    """Whether every ASCII character normalises to exactly one ASCII character by `str.lower` (the table says so)."""
    table = _table()
    return _translation()[1] and all(len(table.get(code, chr(code))) == 1 for code in range(128))


def normalize_with_offsets(text: str) -> NormalizedText:
    """The normalised text (as `normalize_text` gives it) and the map from each of its characters back."""
    if text.isascii() and _ascii_is_even():  # most posts: lower case, one to one, no scan for uneven characters
        return NormalizedText(text.lower(), None, len(text))
    normalized = normalize_text(text)
    uneven = _uneven()
    if len(normalized) == len(text) and uneven.search(text) is None:
        return NormalizedText(normalized, None, len(text))
    table = _table()
    origin: list[int] = []
    extend = origin.extend
    position = 0
    for match in uneven.finditer(text):
        index = match.start()
        if index > position:
            extend(range(position, index))
        width = len(table[ord(text[index])])
        if width:
            extend((index,) * width)
        position = index + 1
    extend(range(position, len(text)))
    origin.append(len(text))
    return NormalizedText(normalized, tuple(origin), len(text))
