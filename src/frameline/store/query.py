"""What a search asks for, independent of the database that answers it.

The query language is what analysts type in every search box: words (all must
match), "quoted phrases", OR between alternatives, a leading minus to exclude,
and a trailing * for prefixes: `Mosul OR الموصل -football "victory or martyrdom"`.
Terms are normalised exactly like the indexed text, so alef/ya/ta-marbuta
variants, diacritics, tatweel, case and Latin accents do not matter.
Each storage backend compiles the parsed form to its own full-text syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from frameline.text.normalize import normalize_text
from frameline.text.search_words import search_words


class QuerySyntaxError(ValueError):
    """The search text cannot be understood; the message says why."""


@dataclass(frozen=True)
class Term:
    text: str  # normalised
    phrase: bool = False
    prefix: bool = False


@dataclass(frozen=True)
class Clause:
    """Alternatives joined by OR; a document must match at least one."""

    alternatives: tuple[Term, ...]
    negated: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    clauses: tuple[Clause, ...]

    @property
    def positive_terms(self) -> list[Term]:
        return [term for clause in self.clauses if not clause.negated for term in clause.alternatives]


_TOKEN = re.compile(r'(-?)"([^"]*)"(\*?)|(\S+)')


def parse_query(text: str) -> ParsedQuery:
    clauses: list[Clause] = []
    pending_or = False
    for match in _TOKEN.finditer(text or ""):
        negated = False
        if match.group(4) is not None:
            raw = match.group(4)
            if raw == "OR":
                if not clauses or clauses[-1].negated or pending_or:
                    raise QuerySyntaxError("OR needs a term on each side")
                pending_or = True
                continue
            if raw.startswith("-") and len(raw) > 1:
                negated, raw = True, raw[1:]
            prefix = raw.endswith("*") and len(raw) > 1
            raw = raw.rstrip("*")
            normalised = normalize_text(raw)
            words = search_words(normalised)
            if not words:
                continue  # punctuation alone, e.g. a stray dash
            term = Term(" ".join(words), phrase=len(words) > 1, prefix=prefix and len(words) == 1)
        else:
            negated = match.group(1) == "-"
            words = search_words(normalize_text(match.group(2)))
            if not words:
                continue
            term = Term(" ".join(words), phrase=True, prefix=bool(match.group(3)) and len(words) == 1)
        if pending_or:
            if negated:
                raise QuerySyntaxError("an excluded term cannot be one side of OR")
            last = clauses.pop()
            clauses.append(Clause(last.alternatives + (term,)))
            pending_or = False
        else:
            clauses.append(Clause((term,), negated=negated))
    if pending_or:
        raise QuerySyntaxError("OR needs a term on each side")
    if clauses and all(clause.negated for clause in clauses):
        raise QuerySyntaxError("a search needs at least one term to look for, not only exclusions")
    if text and text.count('"') % 2:
        raise QuerySyntaxError('a quotation mark is not closed')
    return ParsedQuery(tuple(clauses))


SORTS = ("relevance", "newest", "oldest")


@dataclass
class DocumentFilter:
    """Which documents a search, export or analysis run covers.

    `labels` holds (layer, label) pairs a document must carry as a DocLabel, and
    `span_labels` (layer, label) pairs it must carry as a Span: the hooks the
    frame, technique and entity filters plug into.
    """

    source_ids: list[int] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    since: datetime | None = None
    until: datetime | None = None
    labels: list[tuple[str, str]] = field(default_factory=list)
    span_labels: list[tuple[str, str]] = field(default_factory=list)
    document_ids: list[int] = field(default_factory=list)


@dataclass
class SearchQuery:
    text: str = ""
    filter: DocumentFilter = field(default_factory=DocumentFilter)
    sort: str = "relevance"
    limit: int = 20
    offset: int = 0

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise QuerySyntaxError(f"sort must be one of {', '.join(SORTS)}, not {self.sort!r}")
        if not 1 <= self.limit <= 1000:
            raise QuerySyntaxError("limit must be between 1 and 1000")
        if self.offset < 0:
            raise QuerySyntaxError("offset cannot be negative")
