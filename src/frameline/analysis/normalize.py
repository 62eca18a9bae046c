"""The `normalize` stage: the matching form of a document's text, and the map from it back to the original.

Every detector that matches words (the watchlist, dates, near-duplicate
signatures, codebook cues) matches on the normalised text (see
`frameline.text.normalize`: Arabic tatweel and diacritics removed, alef,
alef maqsura/ya, ta marbuta/ha and hamza seats unified, Latin case-folded and
stripped of accents) and reports spans in the original text through the
offset map.  This stage is what they declare in `requires`.

It is computed on demand rather than stored: `DocumentInput.normalized`
builds it once per document inside the worker that needs it, so every
detector in that process shares one copy, and nothing the size of the
corpus (an offset per character) goes through the database.  The runner
never schedules it over documents; what it does is fold the stage's version
into the recorded configuration of every analyser that requires it.  The
version is a digest of the folding table itself, so a change of the rules (or
of the Unicode tables Python ships) makes exactly the results that depend on
normalisation stale, and `frameline analyze` recomputes them.

The search index keeps its own normalised columns, written at import
(`frameline.store`), from the same `normalize_text`.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import ClassVar

from frameline.analysis.base import Analyser, AnalysisOutput, DocumentInput
from frameline.text.normalize import folding_table

STAGE = "normalize"


@lru_cache(maxsize=1)
def table_digest() -> str:
    """A short digest of the folding table: what changes when normalisation changes."""
    digest = hashlib.sha256()
    for code, folded in sorted(folding_table().items()):
        digest.update(f"{code:x}={folded}\n".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:16]


class NormalizeStage(Analyser):
    """The built-in stage other analysers require to match on normalised text; see the module docstring."""

    name: ClassVar[str] = STAGE
    version: ClassVar[str] = "1"
    layers: ClassVar[tuple[str, ...]] = ()
    computed_on_demand: ClassVar[bool] = True  # the runner records it and schedules nothing

    def config_version(self) -> str:
        return table_digest()

    def analyse(self, batch: list[DocumentInput]) -> dict[int, AnalysisOutput]:
        """Called only when an analyser is run by hand: computes each document's form, stores nothing."""
        for document in batch:
            document.normalized  # noqa: B018 - computed into the document's cache for the caller
        return {}


def is_on_demand(analyser: object) -> bool:
    """Whether the runner records this stage without running it over documents."""
    return bool(getattr(analyser, "computed_on_demand", False))
