"""Near-duplicate signatures: how a text is hashed, compared and indexed, one small class each.

In the manner of python-threatexchange's `SignalType`, a signature type says
three things and nothing more: how to hash a text (`compute`, pure and cheap
to pickle, so it runs in worker processes), how to compare two hashes
(`similarity`), and which in-memory index finds candidates among many
(`new_index`).  The duplicates analyser and shareable hash lists use only this
contract, so adding a signature (a perceptual image hash, an embedding) touches
one class.

Both types here hash the *canonical* text of a post (`canonical_text`): the
Arabic- and case-normalised words with URLs, @mentions and #hashtags removed,
and a short leading header or trailing footer line dropped, because re-posters
change exactly those and nothing that makes two communiques different lives
there.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from functools import lru_cache
from itertools import chain
from operator import eq
from typing import ClassVar, Protocol

import numpy as np
from rensa import RMinHash

from frameline.text.normalize import normalize_text

# Links, mentions and hashtags, matched on normalised text (no capitals left for IGNORECASE to fold).
# Each alternative needs a substring, so a text is scanned by the alternatives it can hold only (in the
# same order: the same matches), and half the posts by none; the mention/hashtag alternative tests its
# lookbehind after the @ or #, so the scan jumps between them.
_NOISE = re.compile(r"https?://\S+|www\.\S+|(?<!\w)[@#][^\s#@]+")
_NOISE_PARTS = (r"https?://\S+", r"www\.\S+", r"[@#](?<!\w[@#])[^\s#@]+")
_WORD = re.compile(r"[^\W_]+")
_LINE = re.compile(r"[^\n\r]+")
HEADER_MAX_CHARS = 80  # a first or last line this short (in canonical characters) is a header/footer ...
HEADER_MAX_SHARE = 0.3  # ... when it is also at most this share of the whole canonical text
MAX_SHINGLED_CHARS = 200_000  # canonical characters a MinHash reads (posts and articles are far shorter)


def canonical_lines(text: str) -> list[str]:
    """The non-empty lines of `text` as canonical words (normalised, noise removed, punctuation dropped)."""
    normalized = normalize_text(text)
    held = ("://" in normalized, "www." in normalized, "@" in normalized or "#" in normalized)
    if any(held):
        normalized = _noise_pattern(held).sub(" ", normalized)
    lines = []
    for line in _LINE.findall(normalized):
        words = " ".join(_WORD.findall(line))
        if words:
            lines.append(words)
    return lines


@lru_cache(maxsize=8)
def _noise_pattern(held: tuple[bool, ...]) -> re.Pattern[str]:
    """`_NOISE` with only the alternatives a text can match (see `_NOISE_PARTS`)."""
    return re.compile("|".join(part for part, on in zip(_NOISE_PARTS, held) if on))


def canonical_text(text: str) -> str:
    """What signatures hash: canonical lines without a short header or footer line, one space apart.

    Only posts of three lines or more lose a header or footer, so a two-line
    post keeps both of its lines; the share limit keeps a long first paragraph.
    """
    lines = canonical_lines(text)
    if len(lines) >= 3:
        total = sum(len(line) for line in lines)

        def is_frame(line: str) -> bool:
            return len(line) <= HEADER_MAX_CHARS and len(line) <= HEADER_MAX_SHARE * total

        lines = lines[1 if is_frame(lines[0]) else 0: -1 if is_frame(lines[-1]) else None]
    return " ".join(lines)


class SignatureIndex(Protocol):
    def add(self, document_id: int, signature: bytes) -> None: ...
    def query(self, signature: bytes) -> list[tuple[int, float]]:
        """Indexed documents whose similarity to `signature` reaches the type's threshold, best first."""
        ...
    def __len__(self) -> int: ...


class SignatureType(Protocol):
    """A pluggable near-duplicate signature: see the module docstring."""

    name: ClassVar[str]  # stored with every signature row ("exact", "minhash")
    version: ClassVar[str]

    def compute(self, canonical: str) -> bytes | None: ...
    def similarity(self, first: bytes, second: bytes) -> float: ...
    def new_index(self) -> SignatureIndex: ...


# -- exact content hash ----------------------------------------------------


class _ExactIndex:
    def __init__(self) -> None:
        self._first: dict[bytes, int] = {}

    def add(self, document_id: int, signature: bytes) -> None:
        self._first.setdefault(signature, document_id)

    def query(self, signature: bytes) -> list[tuple[int, float]]:
        found = self._first.get(signature)
        return [] if found is None else [(found, 1.0)]

    def __len__(self) -> int:
        return len(self._first)


class ExactHash:
    """SHA-256 of the canonical text: the fast path for verbatim re-posts, and the shareable hash."""

    name: ClassVar[str] = "exact"
    version: ClassVar[str] = "1"

    def __init__(self, min_chars: int = 30) -> None:
        self.min_chars = min_chars  # "Allahu akbar" and "lol" re-post everywhere; they are not a campaign

    def compute(self, canonical: str) -> bytes | None:
        if len(canonical) < self.min_chars:
            return None
        return hashlib.sha256(canonical.encode("utf-8")).digest()

    def similarity(self, first: bytes, second: bytes) -> float:
        return 1.0 if first == second else 0.0

    def new_index(self) -> _ExactIndex:
        return _ExactIndex()


# -- MinHash over character shingles ---------------------------------------


class _BandIndex:
    """LSH banding over stored digests: `bands` tables of `rows` slots each, verified by estimated Jaccard.

    Plain dicts rather than rensa's own LSH, because the index is rebuilt from
    the database's stored digests, which rensa cannot load back into a sketch.
    Memory is what bounds it (a million documents are indexed in one process):
    a band's key is the 64-bit hash of its slice rather than the slice (a rare
    collision only adds a candidate, which verification drops), a bucket
    holding one document (most of them) is a bare row number, larger ones are
    compact int32 arrays, and the digests are rows of one numpy matrix.

    Which candidates are verified is what keeps a million posts linear.  Posts
    that share everyday vocabulary share band values that hundreds of them
    hold (the minimum hashes of common shingles), so a new document meets
    hundreds, then thousands, of candidates that share one such band and
    almost never reach the threshold.  A candidate is verified when it shares
    two bands or more with the query, or shares one band that at most
    `rare_band` documents hold: a real re-post shares many bands, and the few
    that share only one (near the threshold) share a rare one.  Counting runs
    in numpy over the buckets' arrays, so no Python object is made per
    candidate.
    """

    def __init__(self, owner: MinHashShingles) -> None:
        self.owner = owner
        self._tables: list[dict[int, int | array[int]]] = [{} for _ in range(owner.bands)]
        self._width = owner.rows * 4
        self._ids: list[int] = []  # row -> document id
        self._rows: dict[int, int] = {}  # document id -> row
        self._matrix = np.zeros((1024, owner.num_perm), dtype=np.uint32)
        self._last: tuple[bytes, list[int]] = (b"", [])  # the last queried signature's keys: add() follows query()

    def _keys(self, signature: bytes) -> list[int]:
        if signature == self._last[0]:
            return self._last[1]
        width = self._width
        keys = [hash(signature[start:start + width]) for start in range(0, width * self.owner.bands, width)]
        self._last = (signature, keys)
        return keys

    def add(self, document_id: int, signature: bytes) -> None:
        if document_id in self._rows:
            return
        row = len(self._ids)
        if row == len(self._matrix):
            self._matrix = np.concatenate([self._matrix, np.zeros_like(self._matrix)])
        self._matrix[row] = np.frombuffer(signature, dtype="<u4")
        self._ids.append(document_id)
        self._rows[document_id] = row
        for table, key in zip(self._tables, self._keys(signature)):
            bucket = table.get(key)
            if bucket is None:
                table[key] = row
            elif type(bucket) is int:
                table[key] = array("i", (bucket, row))
            else:
                bucket.append(row)

    def candidates(self, signature: bytes) -> np.ndarray:
        """Rows worth verifying, ascending: see the class docstring."""
        rare, cap = self.owner.rare_band, self.owner.max_bucket
        trusted: list[int] = []  # rows of buckets that few documents hold: one shared band is enough
        small: list[array[int]] = []
        crowded: list[np.ndarray] = []  # rows of the others: they count only where they meet a second band
        for table, key in zip(self._tables, self._keys(signature)):
            bucket = table.get(key)
            if bucket is None:
                continue
            if type(bucket) is int:
                trusted.append(bucket)
            elif len(bucket) <= rare:
                small.append(bucket)
            else:  # a huge bucket is boilerplate, not news: its first `cap` rows stand for it
                crowded.append(np.frombuffer(bucket, dtype=np.int32, count=min(len(bucket), cap)))
        if small:
            trusted.extend(chain.from_iterable(small))
        lone = np.array(trusted, dtype=np.int32)
        if not crowded:
            return np.unique(lone)
        every = np.concatenate([lone, *crowded])
        every.sort()
        repeated = every[1:][every[1:] == every[:-1]]
        return np.union1d(lone, repeated)

    def query(self, signature: bytes) -> list[tuple[int, float]]:
        rows = self.candidates(signature)
        if not len(rows):
            return []
        query = np.frombuffer(signature, dtype="<u4")
        similarity = (self._matrix[rows] == query).sum(axis=1) / len(query)
        passing = similarity >= self.owner.threshold  # most candidates fail: drop them before any Python object
        ids = self._ids
        scored = [(ids[row], value) for row, value in zip(rows[passing].tolist(), similarity[passing].tolist())]
        return sorted(scored, key=lambda item: (-item[1], item[0]))

    def __len__(self) -> int:
        return len(self._ids)


class MinHashShingles:
    """MinHash (rensa) over character `shingle`-grams of the canonical text, with LSH banding.

    128 permutations in 32 bands of 4 rows find pairs above a Jaccard of about
    0.4 with high probability; candidates are kept when the estimated Jaccard
    reaches `threshold`.  A candidate that shares a single band is verified
    only when at most `rare_band` indexed documents hold that band's value
    (see `_BandIndex`); `max_bucket` caps how many of a band's documents are
    looked at.  Only the first `MAX_SHINGLED_CHARS` canonical
    characters are shingled, so a 5 MB text costs what a long article costs
    (a set of millions of shingles would take gigabytes); the exact hash still
    covers the whole text.
    """

    name: ClassVar[str] = "minhash"
    version: ClassVar[str] = "1"

    def __init__(self, threshold: float = 0.5, shingle: int = 5, num_perm: int = 128, bands: int = 32,
                 min_chars: int = 40, seed: int = 20170710, max_bucket: int = 1000, rare_band: int = 4) -> None:
        if num_perm % bands:
            raise ValueError("num_perm must be a multiple of bands")
        self.threshold, self.shingle, self.num_perm, self.bands = threshold, shingle, num_perm, bands
        self.rows = num_perm // bands
        self.min_chars, self.seed, self.max_bucket, self.rare_band = min_chars, seed, max_bucket, rare_band

    def shingles(self, canonical: str) -> set[str]:
        return set(self._shingle_list(canonical))

    def _shingle_list(self, canonical: str) -> list[str]:
        """Every shingle in text order, repeats included.

        The digest is a minimum over the tokens, so repeats change nothing, and rensa takes
        a list in half the time it takes a set (tests/analysis/test_duplicates.py checks
        that the two digests agree).
        """
        canonical, size = canonical[:MAX_SHINGLED_CHARS], self.shingle
        count = len(canonical) - size + 1
        if count > 1 and "\x00" not in canonical:
            # numpy cuts them: the text as an array of code points, seen as overlapping `size`-character
            # strings (one stride apart), turned into Python strings in C; 2.5x faster than slicing.
            # (numpy would drop a trailing NUL, so a text holding one is sliced; canonical text never does.)
            try:
                points = np.frombuffer(canonical.encode("utf-32-le"), dtype="<U1")
            except UnicodeEncodeError:  # a lone surrogate
                pass
            else:
                return np.ndarray((count,), dtype=f"<U{size}", buffer=points, strides=(4,)).tolist()
        return [canonical[start:start + size] for start in range(max(1, count))]

    def compute(self, canonical: str) -> bytes | None:
        if len(canonical) < self.min_chars:
            return None
        return self.compute_many([canonical])[0]

    def compute_many(self, texts: list[str]) -> list[bytes | None]:
        """Digests of many canonical texts in one call into rensa (the worker's bulk path)."""
        wanted = [index for index, text in enumerate(texts) if len(text) >= self.min_chars]
        found: list[bytes | None] = [None] * len(texts)
        if wanted:
            digests = RMinHash.digests_from_token_sets([self._shingle_list(texts[i]) for i in wanted],
                                                       self.num_perm, self.seed)
            for index, digest in zip(wanted, digests):
                found[index] = array("I", digest).tobytes()
        return found

    def similarity(self, first: bytes, second: bytes) -> float:
        a, b = array("I", first), array("I", second)
        return sum(map(eq, a, b)) / len(a)

    def new_index(self) -> _BandIndex:
        return _BandIndex(self)
